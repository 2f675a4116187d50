// How close does a tuned GEMM come to the library? For the single-core spec (examples/gemm) and the all-cores
// spec (examples/gemm-omp): one campaign each through nightshift exactly as the README runs one (this machine,
// the default budget and strategy), then the accepted best and the spec's OpenBLAS baseline re-measured
// alternately, pair after pair, through the same harness (sandbox, verification, timing), so both see the
// same machine. Prints each median, the best as a percentage of the library (library median / best median),
// and the campaign's own figures; writes the same to --out.
//
//   npx tsx bench/gemm-vs-library.ts [--budget 30] [--pairs 6] [--specs gemm,gemm-omp] [--out docs/bench-gemm-vs-library.md]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { storedVariant } from "../agents/history.ts";
import { median } from "../core/stats.ts";
import { DEFAULT_BUDGET, startCampaign } from "../graphs/run-campaign.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import { libraryVariant } from "../harness/library.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import type { Variant } from "../harness/types.ts";
import { openStore } from "../results/store.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";

const { values } = parseArgs({
  options: {
    budget: { type: "string", default: String(DEFAULT_BUDGET) },
    pairs: { type: "string", default: "6" },
    specs: { type: "string", default: "gemm,gemm-omp" },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
  },
});
const ROOT = join(import.meta.dirname, "..");
const BUDGET = Number(values.budget);
const PAIRS = Number(values.pairs);
const scratch = mkdtempSync(join(tmpdir(), "ns-gemm-vs-library-"));

const lines: string[] = [];
const print = (line = ""): void => {
  console.log(line);
  lines.push(line);
};

const ms = (v: number): string => v.toFixed(4);

async function timed(executor: LocalExecutor, variant: Variant, what: string): Promise<number> {
  const device = await loadProfile("local");
  const result = await evaluateVariant(executor, variant, device);
  if (result.status !== "ok") throw new Error(`${what}: ${result.status}`);
  return result.stats.medianMs;
}

print(`# A tuned GEMM beside OpenBLAS on this machine`);
print();
print(`\`npx tsx bench/gemm-vs-library.ts --budget ${BUDGET} --pairs ${PAIRS}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), load average ${loadavg()[0]!.toFixed(1)} at the start.`);
print();
print("Each spec: one campaign as `nightshift run examples/<spec>` runs it (device `local`, default strategy), then the critic's accepted best and the spec's OpenBLAS baseline measured alternately through the same harness, each pair in fresh processes. *Best as % of library* = median of the library's medians / median of the best's medians x 100.");
print();
print("| spec | threads | campaign best (ms) | campaign's OpenBLAS (ms) | best, re-measured (ms) | OpenBLAS, re-measured (ms) | best as % of library | evidence |");
print("|---|---|---|---|---|---|---|---|");

const executor = new LocalExecutor();
try {
  for (const name of values.specs!.split(",")) {
    const dir = join(ROOT, "examples", name);
    const spec = loadSpec(dir);
    const dbPath = join(scratch, `${name}.db`);
    const outcome = await startCampaign({ specDir: dir, devices: ["local"], budget: BUDGET, seed: Number(values.seed) }, { dbPath });
    const device = outcome.devices[0]!;
    const best = outcome.best;
    const library = device.headline.libraries.find((l) => l.name === "openblas");
    if (!best || !library || library.medianMs === null) {
      print(`| ${name} | ${spec.threads ?? 1} | ${best ? ms(best.medianMs) : "none accepted"} | ${library?.medianMs ?? library?.status ?? "none"} | | | | |`);
      continue;
    }
    const store = openStore(dbPath, { mustExist: true });
    const bestVariant = storedVariant(store, spec, best.variantHash);
    store.close();
    const blas = libraryVariant(spec, "openblas");
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      // Alternate which goes first so a drift in the machine's state favours neither.
      const order = pair % 2 === 0 ? ([bestVariant, blas] as const) : ([blas, bestVariant] as const);
      for (const v of order) (v === blas ? theirs : mine).push(await timed(executor, v, v === blas ? "openblas" : "best"));
    }
    const percent = (median(theirs) / median(mine)) * 100;
    print(`| ${name} | ${spec.threads ?? 1} | ${ms(best.medianMs)} | ${ms(library.medianMs)} | ${ms(median(mine))} | ${ms(median(theirs))} | ${percent.toFixed(1)}% | ${device.headline.best?.evidence ?? ""} |`);
    print(`<!-- ${name}: best ${JSON.stringify(best.params)} -->`);
  }
} finally {
  await executor.close();
  rmSync(scratch, { recursive: true, force: true });
}
print();
print(`Load average ${loadavg()[0]!.toFixed(1)} at the end.`);
if (values.out) writeFileSync(values.out, `${lines.join("\n")}\n`);
