import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileExpr } from "../core/expr.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import { compileOnly } from "../harness/compile-only.ts";
import { evaluateLaunch, launchProblem } from "../harness/cuda/launch.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import { haveNvcc, warnWithoutNvcc } from "./support/toolchain.ts";

const EXAMPLES = join(import.meta.dirname, "..", "examples");
const cudaExamples = readdirSync(EXAMPLES).filter((d) => {
  const file = join(EXAMPLES, d, "kernel.json");
  return existsSync(file) && JSON.parse(readFileSync(file, "utf8")).language === "cuda";
});

/** A configuration far from the baseline per example, so both ends of each space get compiled. */
const TUNED: Record<string, Params> = {
  "transpose-cuda": { USE_SHARED: 1, TILE: 32, BLOCK_ROWS: 8, PAD: 1 },
  "sgemm-cuda": { BM: 128, BN: 128, BK: 16, TM: 8, TN: 8, VEC: 4, PAD: 1 },
};

function validConfigs(spec: KernelSpec): Params[] {
  let configs: Params[] = [{}];
  for (const [name, values] of Object.entries(spec.parameters)) configs = configs.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  const restrictions = spec.restrictions.map((r, i) => compileExpr(r, null, `restrictions[${i}]`));
  return configs.filter((c) => restrictions.every((r) => r.evaluateBool({ ...spec.problem.tune, ...c })));
}

describe("the CUDA examples' spaces", () => {
  it("ships both the memory-bound and the compute-bound example", () => {
    expect(cudaExamples.sort()).toEqual(expect.arrayContaining(["sgemm-cuda", "transpose-cuda"]));
  });

  for (const name of cudaExamples) {
    it(`${name}: every valid configuration launches on H200 and A100 at every problem size`, async () => {
      const spec = loadSpec(join(EXAMPLES, name));
      const configs = validConfigs(spec);
      expect(configs.length).toBeGreaterThan(20);
      for (const profile of [await loadProfile("h200"), await loadProfile("a100")]) {
        for (const params of configs) {
          for (const size of [spec.problem.tune, ...spec.problem.verify]) {
            const launch = evaluateLaunch(spec, params, size);
            expect(launchProblem(launch, profile.gpu!), `${JSON.stringify(params)} at ${JSON.stringify(size)}`).toBeUndefined();
          }
        }
      }
    });
  }
});

warnWithoutNvcc("CUDA example builds");

describe.skipIf(!haveNvcc)("every CUDA example compiles for sm_90 and sm_80 with stats and occupancy", () => {
  for (const name of cudaExamples) {
    for (const device of ["h200", "a100"]) {
      it(`${name} on ${device}: baseline and a tuned configuration build, report ptxas stats and a theoretical occupancy`, async () => {
        const spec = loadSpec(join(EXAMPLES, name));
        const profile = await loadProfile(device);
        for (const params of [spec.baseline, TUNED[name] ?? spec.baseline]) {
          const report = await compileOnly(new LocalExecutor(), makeVariant(spec, params), profile);
          const where = `${name} ${JSON.stringify(params)} on ${device}:\n${report.log}`;
          expect(report.status, where).toBe("ok");
          expect(report.ptxas?.arch).toBe(profile.gpu!.arch);
          expect(report.summary.registersPerThread).toBeGreaterThan(0);
          expect(report.summary.spillStoreBytes).toBe(0);
          expect(report.summary.objectBytes).toBeGreaterThan(0);
          expect(report.occupancy!.activeBlocksPerSM).toBeGreaterThan(0);
          expect(report.summary.theoreticalOccupancy).toBeGreaterThan(0);
          expect(report.summary.theoreticalOccupancy).toBeLessThanOrEqual(1);
          expect(["registers", "shared_memory", "blocks", "warps"]).toContain(report.summary.occupancyLimitedBy);
          expect(report.build!.occupancy!.achieved).toBeNull();
          expect(report.symbols).toMatchObject({ ok: true, defined: expect.arrayContaining([spec.kernel]) });
        }
      });
    }
  }

  it("the register-blocked SGEMM (8x8 outputs per thread) is register-limited where the naive one is not", async () => {
    const spec = loadSpec(join(EXAMPLES, "sgemm-cuda"));
    const h200 = await loadProfile("h200");
    const tuned = await compileOnly(new LocalExecutor(), makeVariant(spec, TUNED["sgemm-cuda"]!), h200);
    expect(tuned.summary.registersPerThread).toBeGreaterThan(64);
    expect(tuned.summary.occupancyLimitedBy).toBe("registers");
    expect(tuned.summary.theoreticalOccupancy).toBeLessThan(0.5);
  });
});
