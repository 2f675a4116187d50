// Every example's template, at a seeded sample of parameter configurations across its space (the baseline
// always among them), is proved equal to its reference over the reals at the bounded sizes.

import { describe, expect, it } from "vitest";
import { compileExpr } from "../core/expr.ts";
import { boundedSizes, proveVariant } from "../proofs/index.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import { allConfigurations, exampleSpec } from "./fixtures/proofs/specs.ts";
import { seededRandom } from "../proofs/counterexample.ts";

const SEED = Number(process.env.PROOF_TEST_SEED ?? 20260611);
/** Configurations per example; the GEMM micro-kernels take longest to interpret, so fewer of them. */
const PER_EXAMPLE: Record<string, number> = { matmul: 8, conv2d: 8, "transpose-cuda": 8, "sgemm-cuda": 8, gemm: 4, "gemm-omp": 4 };

/** The restrictions that name only parameters, as one check (the others are checked per size). */
function restrictionCheck(spec: KernelSpec): (params: Params) => boolean {
  const known = Object.keys(spec.parameters);
  const compiled = spec.restrictions.map((r, k) => compileExpr(r, null, `restrictions[${k}]`)).filter((c) => c.variables.every((v) => known.includes(v)));
  return (params) => compiled.every((c) => c.evaluateBool(params));
}

function sample(spec: KernelSpec, count: number, seed: number): Params[] {
  const holds = restrictionCheck(spec);
  const valid = allConfigurations(spec).filter(holds);
  const key = (p: Params): string => JSON.stringify(Object.entries(p).sort());
  const baseline = { ...spec.baseline };
  const chosen = [baseline];
  const seen = new Set([key(baseline)]);
  const random = seededRandom(seed);
  while (chosen.length < Math.min(count, valid.length)) {
    const p = valid[Math.floor(random() * valid.length)]!;
    if (seen.has(key(p))) continue;
    seen.add(key(p));
    // A configuration no bounded size can run (its restrictions exclude them all) has nothing to prove.
    if (boundedSizes(spec, p).length > 0) chosen.push(p);
  }
  return chosen;
}

for (const [name, count] of Object.entries(PER_EXAMPLE)) {
  const spec = exampleSpec(name);
  const configs = sample(spec, count, SEED);
  describe(`the ${name} template`, () => {
    it(`has ${count} sampled configurations that satisfy the restrictions, the baseline first (seed ${SEED})`, () => {
      expect(configs).toHaveLength(count);
      expect(configs[0]).toEqual(spec.baseline);
      const holds = restrictionCheck(spec);
      for (const p of configs) expect(holds(p), `seed ${SEED}: ${JSON.stringify(p)}`).toBe(true);
    });

    for (const params of configs) {
      it(`is proved at every bounded size with ${JSON.stringify(params)}`, async () => {
        const sizes = boundedSizes(spec, params);
        const verdict = await proveVariant({ spec, params, variantSource: spec.templateSource }, { timeMs: 240_000 });
        expect(verdict.status, `seed ${SEED}, params ${JSON.stringify(params)}: ${JSON.stringify(verdict).slice(0, 800)}`).toBe("proved");
        if (verdict.status !== "proved") return;
        expect(verdict.sizes).toEqual(sizes);
      }, 300_000);
    }
  });
}

describe("the CUDA templates beyond one block", () => {
  it("prove a tiled transpose at sizes that span several blocks in both directions", async () => {
    const spec = exampleSpec("transpose-cuda");
    const params = { USE_SHARED: 1, TILE: 16, BLOCK_ROWS: 4, PAD: 1 };
    const verdict = await proveVariant({ spec, params, variantSource: spec.templateSource, sizes: [{ R: 33, C: 17 }, { R: 17, C: 40 }] }, { timeMs: 240_000 });
    expect(verdict.status, JSON.stringify(verdict).slice(0, 600)).toBe("proved");
  }, 300_000);

  it("prove an SGEMM at a size with several blocks and several k tiles, with and without vector loads", async () => {
    const spec = exampleSpec("sgemm-cuda");
    for (const VEC of [1, 4]) {
      const params = { BM: 32, BN: 32, BK: 8, TM: 2, TN: 2, VEC, PAD: 1 };
      const verdict = await proveVariant({ spec, params, variantSource: spec.templateSource, sizes: [{ M: 40, N: 36, K: 20 }] }, { timeMs: 240_000 });
      expect(verdict.status, JSON.stringify(verdict).slice(0, 600)).toBe("proved");
    }
  }, 300_000);
});
