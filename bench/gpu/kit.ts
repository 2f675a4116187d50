// Exports the device kit: everything a GPU machine with nvcc, ncu and compute-sanitizer (and no Node.js) needs
// to run the CUDA protocol on the examples and produce the numbers that prove it. Every generated source is
// the one the pipeline would generate (same planner, same generators, same build commands); only the build
// and run steps are written out as shell instead of going through an Executor. gpu/summarize.ts turns the
// results folder back into EvalResults with the same interpretation code.

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fail } from "../../core/errors.ts";
import { makeRng } from "../../core/rng.ts";
import type { GpuInfo, HardwareProfile } from "../../hardware-profiles/schema.ts";
import { commonRuntimeFiles, runtimeFile, trustedFiles } from "../../harness/c/generate.ts";
import { TOOLS_DIR } from "../../harness/plan.ts";
import { CUDA_FILES, nvccPath } from "../../harness/cuda/build.ts";
import { cudaHarnessFiles } from "../../harness/cuda/generate.ts";
import { makeCudaPlan } from "../../harness/cuda/plan.ts";
import { theoreticalOccupancy } from "../../harness/occupancy.ts";
import { problemWork } from "../../harness/physics.ts";
import { parsePtxas } from "../../harness/ptxas.ts";
import { canonicalParams, makeVariant } from "../../harness/variant.ts";
import { spaceFromSpec } from "../../spaces/search-space.ts";
import { loadSpec } from "../../specs/load.ts";
import type { KernelSpec, Params } from "../../specs/schema.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const KIT_EXAMPLES = ["transpose-cuda", "sgemm-cuda"] as const;
export type KitExample = (typeof KIT_EXAMPLES)[number];

/** What each deliberately broken variant must come to, in the words of the results (runners/types.ts). */
export const CHEATS: Record<string, { expect: string; sanitize: boolean }> = {
  "stale-output": { expect: "wrong_result (second call on fresh poisoned buffers)", sanitize: false },
  "side-stream": { expect: "rejected forbidden_symbol (static); at run time launch_missing", sanitize: false },
  "racy-shared": { expect: "rejected race_detected (compute-sanitizer racecheck)", sanitize: true },
  "oob-read": { expect: "rejected memory_error (compute-sanitizer memcheck)", sanitize: true },
  "timer-override": { expect: "rejected forbidden_symbol (static)", sanitize: false },
};

/** Honest variants run under the sanitizers too: a checker that flags them would be worthless. */
const CONTROLS: Array<{ example: KitExample; params: Params }> = [
  { example: "transpose-cuda", params: { USE_SHARED: 1, TILE: 32, BLOCK_ROWS: 8, PAD: 1 } },
  { example: "sgemm-cuda", params: { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, VEC: 4, PAD: 1 } },
];

export type KitRole = "baseline" | "sweep" | "cheat" | "control";

export interface KitVariantMeta {
  id: string;
  example: KitExample;
  role: KitRole;
  params: Params;
  /** Cheats: the fixture file (relative to the repository) the source came from. */
  sourceFile?: string;
  cheat?: string;
  expect?: string;
  sanitize: boolean;
  hash: string;
}

export interface KitOptions {
  outDir: string;
  device: HardwareProfile;
  /** How many configurations of each example's space to sweep (baseline always included). */
  sweep: Record<KitExample, number>;
  seed?: number;
}

const sh = (args: readonly string[]) => args.map((a) => (/^[A-Za-z0-9_./=,+:-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");

/** Replaces the local nvcc path with the kit's $NVCC. */
function onDevice(argv: readonly string[], nvcc: string): string {
  return argv.map((a, i) => (i === 0 && a === nvcc ? '"$NVCC"' : sh([a]))).join(" ");
}

function pickConfigs(spec: KernelSpec, count: number, seed: number, always: Params[]): Params[] {
  const valid = [...spaceFromSpec(spec).validConfigs()];
  const key = (p: Params) => canonicalParams(p);
  const chosen = new Map<string, Params>();
  for (const p of always) chosen.set(key(p), p);
  const shuffled = makeRng(seed, valid.length).shuffle([...valid]);
  for (const p of shuffled) {
    if (chosen.size >= Math.max(count, always.length)) break;
    chosen.set(key(p), p);
  }
  return [...chosen.values()];
}

function variantBuildScript(example: string, compile: string, layer: string, link: string): string {
  return `#!/bin/sh
# The nightshift CUDA pipeline's build commands for this variant (harness/cuda/build.ts), verbatim but for $NVCC.
cd "$(dirname "$0")" || exit 1
NVCC="\${NVCC:-nvcc}"
rm -f build.status
step() { name=$1; shift; "$@" > "$name.log" 2>&1; rc=$?; if [ $rc -ne 0 ]; then echo "failed $name $rc" > build.status; exit 0; fi; }
step compile_variant ${compile}
nm -P ${CUDA_FILES.variantObject} > nm.txt 2>&1
step compile_layer ${layer}
cp ../../examples/${example}/${CUDA_FILES.harnessObject} ${CUDA_FILES.harnessObject}
step link ${link}
echo ok > build.status
`;
}

function exampleBuildScript(harnessCmd: string, referenceCmd: string): string {
  return `#!/bin/sh
# The host half of the harness and the compare program, with the pipeline's gcc commands (harness/plan.ts).
cd "$(dirname "$0")" || exit 1
${harnessCmd} > build_harness.log 2>&1 || { echo "failed harness" > build.status; exit 0; }
(cd ref && ${referenceCmd} > ../build_compare.log 2>&1) || { echo "failed compare" > build.status; exit 0; }
echo ok > build.status
`;
}

/** TypeScript's occupancy predictions for the probe kernels, from the local ptxas report of gpu/occupancy-probe.cu. */
function occupancyPredictions(gpu: GpuInfo, outDir: string): string | null {
  const nvcc = nvccPath();
  if (nvcc.startsWith("/") && !existsSync(nvcc)) return null;
  const r = spawnSync(nvcc, [`-arch=${gpu.arch}`, "-Xptxas", "-v", "-c", join(REPO_ROOT, "bench", "gpu", "occupancy-probe.cu"), "-o", join(outDir, "probe-local.o")], { encoding: "utf8" });
  rmSync(join(outDir, "probe-local.o"), { force: true });
  if (r.status !== 0) return null;
  const report = parsePtxas(r.stdout + r.stderr);
  const rows = ["kernel\tblockSize\tdynamicSmem\tregisters\tpredictedBlocks"];
  for (const fn of report.functions.filter((f) => f.entry && f.arch === gpu.arch)) {
    for (const dyn of [0, 16384, 65536]) {
      for (const block of [32, 64, 128, 192, 256, 512, 768, 1024]) {
        const occ = theoreticalOccupancy(gpu, { registersPerThread: fn.registers!, staticSharedBytes: fn.sharedMemoryBytes ?? 0, dynamicSharedBytes: dyn, threadsPerBlock: block, barriers: fn.barriers ?? 0 });
        rows.push(`${fn.name}\t${block}\t${dyn}\t${fn.registers}\t${occ.activeBlocksPerSM}`);
      }
    }
  }
  return `${rows.join("\n")}\n`;
}

export interface KitSummary {
  outDir: string;
  variants: KitVariantMeta[];
  occupancyPredictions: boolean;
}

/** The compare program's fixed source and the headers it includes. */
function compareSources(): Record<string, string> {
  return { ...commonRuntimeFiles(), "compare_main.c": runtimeFile("c/compare_main.c") };
}

function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  mkdirSync(dir, { recursive: true });
  // Some names hold a folder (the evidence folder's placeholder, "evidence/.keep").
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

export function exportKit(options: KitOptions): KitSummary {
  const out = resolve(options.outDir);
  const gpu = options.device.gpu;
  if (!gpu) fail("PROFILE_INVALID", `device ${options.device.name}: expected a profile with a gpu section, received one without`);
  if (existsSync(out) && readdirSync(out).length > 0) fail("USAGE", `export-kit: expected an empty or new folder, received ${out}, which holds files`);
  mkdirSync(out, { recursive: true });
  const nvcc = nvccPath();
  const seed = options.seed ?? 20261121;
  const variants: KitVariantMeta[] = [];

  for (const example of KIT_EXAMPLES) {
    const spec = loadSpec(join(REPO_ROOT, "examples", example));
    const plan = makeCudaPlan(spec, spec.baseline, options.device);
    const exDir = join(out, "examples", example);
    mkdirSync(join(exDir, "ref"), { recursive: true });
    // The host half and the compare program depend on the cases and buffers only, never on the parameters.
    const { [CUDA_FILES.layerSource]: _layer, [CUDA_FILES.launchHeader]: _launch, ...host } = cudaHarnessFiles(plan);
    writeFiles(exDir, host);
    // The compare program's fixed sources travel with the kit, so its command reads them from its own folder.
    const compare = plan.commands.trusted.find((s) => s.argv.includes(`${TOOLS_DIR}/compare_main.c`))!;
    writeFiles(join(exDir, "ref"), { ...trustedFiles(plan, spec.referenceSource), ...compareSources() });
    writeFileSync(join(exDir, "build.sh"), exampleBuildScript(sh(plan.commands.harness[0]!.argv), sh(compare.argv.map((a) => a.replaceAll(TOOLS_DIR, ".")))));
    const work = problemWork(spec, spec.baseline);
    writeFileSync(join(exDir, "spec.json"), JSON.stringify({ example, tune: spec.problem.tune, tuneBytes: work.bytes, tuneFlops: work.flops }, null, 2));

    const add = (role: KitRole, params: Params, cheat?: { name: string; file: string }) => {
      const source = cheat ? readFileSync(join(REPO_ROOT, cheat.file), "utf8") : spec.templateSource;
      const variant = makeVariant(spec, params, cheat ? { source } : {});
      const vplan = makeCudaPlan(spec, variant.params, options.device);
      const id = `${example.replace("-cuda", "")}-${String(variants.length).padStart(3, "0")}${cheat ? `-${cheat.name}` : ""}`;
      const dir = join(out, "variants", id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, CUDA_FILES.variantSource), source);
      const files = cudaHarnessFiles(vplan);
      writeFiles(dir, { [CUDA_FILES.layerSource]: files[CUDA_FILES.layerSource]!, [CUDA_FILES.launchHeader]: files[CUDA_FILES.launchHeader]!, "ns_clock.h": files["ns_clock.h"]! });
      writeFileSync(join(dir, "build.sh"), variantBuildScript(example, onDevice(vplan.commands.compileVariant, nvcc), onDevice(vplan.commands.harness.find((h) => h.argv.includes(CUDA_FILES.layerSource))!.argv, nvcc), onDevice(vplan.commands.link, nvcc)));
      chmodSync(join(dir, "build.sh"), 0o755);
      const meta: KitVariantMeta = {
        id,
        example,
        role,
        params: variant.params,
        ...(cheat ? { sourceFile: cheat.file, cheat: cheat.name, expect: CHEATS[cheat.name]!.expect } : {}),
        sanitize: role === "control" || (cheat ? CHEATS[cheat.name]!.sanitize : false),
        hash: variant.hash,
      };
      writeFileSync(join(dir, "meta.json"), JSON.stringify(meta, null, 2));
      variants.push(meta);
    };

    add("baseline", spec.baseline);
    for (const params of pickConfigs(spec, options.sweep[example], seed, []).filter((p) => canonicalParams(p) !== canonicalParams(spec.baseline))) add("sweep", params);
    for (const control of CONTROLS.filter((c) => c.example === example)) add("control", control.params);
    if (example === "transpose-cuda") {
      for (const name of Object.keys(CHEATS)) add("cheat", spec.baseline, { name, file: `test/fixtures/cuda-cheats/${name}.cu` });
    }
  }

  const tools = join(out, "tools");
  mkdirSync(tools, { recursive: true });
  for (const f of ["check.cuh", "d2d-bandwidth.cu", "cublas-sgemm.cu", "occupancy-probe.cu", "occupancy-oracle.cpp"]) copyFileSync(join(REPO_ROOT, "bench", "gpu", f), join(tools, f));
  copyFileSync(join(REPO_ROOT, "bench", "gpu", "tools", "sample-stats.c"), join(tools, "sample-stats.c"));
  copyFileSync(join(REPO_ROOT, "bench", "gpu", "run-h200-proof.sh"), join(out, "run-h200-proof.sh"));
  chmodSync(join(out, "run-h200-proof.sh"), 0o755);
  const predictions = occupancyPredictions(gpu, out);
  if (predictions) writeFileSync(join(tools, "occupancy-expected.tsv"), predictions);
  writeFileSync(
    join(out, "manifest.tsv"),
    `${["id\texample\trole\tsanitize\tlabel", ...variants.map((v) => `${v.id}\t${v.example}\t${v.role}\t${v.sanitize ? 1 : 0}\t${v.cheat ?? Object.entries(v.params).map(([k, x]) => `${k}=${x}`).join(",")}`)].join("\n")}\n`,
  );
  writeFileSync(join(out, "kit.json"), JSON.stringify({ device: options.device.name, arch: gpu.arch, seed, exportedAt: new Date().toISOString(), variants: variants.length }, null, 2));
  return { outDir: out, variants, occupancyPredictions: predictions !== null };
}
