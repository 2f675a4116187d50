// Proof time per variant: for each example, a seeded sample of parameter configurations (the baseline
// first) is proved at the bounded sizes, and the wall-clock time of each proof is printed and written to
// docs/bench-proof-time.md. Proofs run one after another; the first proof of an example also interprets
// the reference at every size (later ones reuse its cached outputs), so it is reported separately.
//
//   npx tsx bench/proof-time.ts [--per-example N] [--seed S] [--out docs/bench-proof-time.md]

import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../proofs/counterexample.ts";
import { boundedSizes, proveVariant } from "../proofs/index.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";

const ROOT = join(import.meta.dirname, "..");

function option(name: string, fallback: string): string {
  const k = process.argv.indexOf(name);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1]! : fallback;
}

const PER_EXAMPLE = Number(option("--per-example", "6"));
const SEED = Number(option("--seed", "7"));
const OUT = option("--out", join(ROOT, "docs", "bench-proof-time.md"));

function sample(spec: KernelSpec): Params[] {
  const valid = spaceFromSpec(spec).validConfigs();
  const random = seededRandom(SEED);
  const chosen: Params[] = [{ ...spec.baseline }];
  const seen = new Set([JSON.stringify(spec.baseline)]);
  for (let tries = 0; chosen.length < PER_EXAMPLE && tries < 10_000; tries++) {
    const p = valid[Math.floor(random() * valid.length)]!;
    const key = JSON.stringify(p);
    if (seen.has(key) || boundedSizes(spec, p).length === 0) continue;
    seen.add(key);
    chosen.push(p);
  }
  return chosen;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const lines: string[] = [];
const print = (line: string): void => {
  console.log(line);
  lines.push(line);
};

print(`proof time per variant, ${PER_EXAMPLE} configurations per example (seed ${SEED}), ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the start`);
print("");
print("| example | parameters | sizes | verdict | wall time (s) | CPU time (s) |");
print("|---|---|---:|---|---:|---:|");
const summary: { name: string; first: number; rest: number[]; cpu: number[] }[] = [];
for (const name of ["matmul", "conv2d", "transpose-cuda", "sgemm-cuda"]) {
  const spec = loadSpec(join(ROOT, "examples", name));
  const times: number[] = [];
  const cpu: number[] = [];
  for (const params of sample(spec)) {
    const sizes = boundedSizes(spec, params).length;
    const verdict = await proveVariant({ spec, params, variantSource: spec.templateSource }, { timeMs: 300_000 });
    times.push(verdict.ms / 1000);
    cpu.push((verdict.cpuMs ?? Number.NaN) / 1000);
    const shown = Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    print(`| ${name} | ${shown} | ${sizes} | ${verdict.status}${verdict.status === "unproven" ? `: ${verdict.reason}` : ""} | ${(verdict.ms / 1000).toFixed(1)} | ${((verdict.cpuMs ?? Number.NaN) / 1000).toFixed(1)} |`);
  }
  summary.push({ name, first: times[0]!, rest: times.slice(1), cpu: cpu.slice(1) });
}
print("");
print("| example | first proof, reference included: wall (s) | later proofs: median wall (s) | later proofs: max wall (s) | later proofs: max CPU (s) |");
print("|---|---:|---:|---:|---:|");
for (const s of summary) print(`| ${s.name} | ${s.first.toFixed(1)} | ${median(s.rest).toFixed(1)} | ${Math.max(...s.rest).toFixed(1)} | ${Math.max(...s.cpu).toFixed(1)} |`);
print("");
print(`load average ${loadavg()[0]!.toFixed(1)} at the end`);

const doc = `# Benchmark: proof time per variant

The proof step (\`proofs/\`) interprets a variant and its spec's reference on symbolic inputs at every
bounded problem size (see \`proofs/README.md\`: up to 40 sizes for one size variable, 256 for two, 64 for three,
plus small verify sizes) and compares every output element exactly. This measures the wall-clock time of
\`proveVariant\` per variant: preprocessing with gcc or nvcc, starting the worker thread, parsing, and the
interpretation, and the CPU time of the interpretation (the machine is shared: with a load average above
the number of CPUs, wall-clock time includes waiting for other processes). The first proof of each example
also interprets the reference at every size and starts the worker thread; later proofs of the same example
reuse the cached reference outputs and the warm worker.

Command:

\`\`\`sh
npx tsx bench/proof-time.ts --per-example ${PER_EXAMPLE} --seed ${SEED}
\`\`\`

Output:

${lines.join("\n")}
`;
writeFileSync(OUT, doc);
console.log(`\nwrote ${OUT}`);
