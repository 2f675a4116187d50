// nightshift bench-strategies: runs replay campaigns through the campaign graph on brute-forced spaces and
// scores each strategy against random search (strategies/score.ts); with --candidates, chooses among
// hyperparameter settings by leave-one-device-out cross-validation. One JSON line per run goes to --traces
// (and --resume reuses such lines); the summary goes to stdout, and with --doc into the results section of
// docs/strategies.md.

import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { expectedReceived, fail } from "../core/errors.ts";
import { deviceOf, filesWithPriors, runBench, specFileFor, type BenchJob, type BenchRun } from "../graphs/strategy-bench.ts";
import { benchMarkdown, replaceGeneratedSection, signed } from "../strategies/bench-report.ts";
import { summarise, type BenchSummary } from "../strategies/bench-summary.ts";
import { benchStrategy } from "../strategies/candidates.ts";
import { leaveOneDeviceOut, type CvResult } from "../strategies/cross-validation.ts";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";

interface Options {
  spaces: string[];
  specs: string[];
  strategies?: string;
  candidates?: string;
  repeats: string;
  firstSeed: string;
  budget: string;
  batch: string;
  traces?: string;
  resume?: string;
  doc?: string;
  json?: boolean;
  transfer?: boolean;
  workers: string;
  noise: boolean;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail("USAGE", expectedReceived(what, "a positive integer", text));
  return n;
}

const names = (list: string | undefined): string[] => (list ?? "").split(",").map((s) => s.trim()).filter(Boolean);

export function registerBenchStrategies(program: Command): void {
  program
    .command("bench-strategies")
    .description("Score search strategies by replay campaigns on brute-forced tuning spaces (Kernel Tuner cache, KTT or T4 files).")
    .requiredOption("--spaces <files...>", "measured space files")
    .requiredOption("--specs <files...>", "T1 files of the spaces' kernels (matched by kernel name); each campaign runs the spec its T1 file makes")
    .option("--strategies <names>", `comma-separated strategy names (default: random and ${DEFAULT_STRATEGY})`)
    .option("--candidates <names>", "hyperparameter settings to choose among by leave-one-device-out cross-validation (strategies/candidates.ts)")
    .option("--repeats <n>", "seeds per space and strategy (first-seed .. first-seed + n - 1)", "10")
    .option("--first-seed <n>", "first seed", "0")
    .option("--budget <auto|n>", "evaluations per run: auto = ceil(1.1 x N95) clamped to [20, 2000]", "auto")
    .option("--batch <n>", "configurations proposed per round", "8")
    .option("--traces <file>", "append one JSON line per run as it finishes: space, strategy, seed, budget, batch, noisy, trace, score")
    .option("--resume <file>", "reuse the runs a --traces file of an earlier, interrupted run of the same command holds")
    .option("--doc <file>", "write the results into the generated section of this Markdown file (docs/strategies.md)")
    .option("--json", "print the summary as one JSON object")
    .option("--transfer", "also run each strategy with the other devices' data of the same kernel as priors")
    .option("--workers <n>", "worker threads", "1")
    .option("--no-noise", "replay every measurement as the recorded mean instead of drawing from the recorded samples")
    .action(async (o: Options) => {
      const started = performance.now();
      const strategies = names(o.strategies ?? `random,${DEFAULT_STRATEGY}`);
      const candidates = names(o.candidates);
      const all = [...new Set([...strategies, ...candidates])];
      for (const name of all) benchStrategy(name);
      const repeats = positiveInt(o.repeats, "--repeats");
      const firstSeed = Number(o.firstSeed);
      if (!Number.isInteger(firstSeed) || firstSeed < 0) fail("USAGE", expectedReceived("--first-seed", "a non-negative integer", o.firstSeed));
      const batch = positiveInt(o.batch, "--batch");
      const budget = o.budget === "auto" ? "auto" : positiveInt(o.budget, "--budget");
      const workers = positiveInt(o.workers, "--workers");
      const transferable = new Set(o.transfer ? filesWithPriors(o.spaces) : []);
      const jobs: BenchJob[] = [];
      for (const space of o.spaces) {
        const spec = specFileFor(space, o.specs);
        for (const strategy of all) {
          // A strategy that ignores other devices' data would only repeat its runs from scratch.
          for (const transfer of transferable.has(space) && benchStrategy(strategy).usesPriors ? [false, true] : [false]) {
            for (let seed = firstSeed; seed < firstSeed + repeats; seed++) jobs.push({ space, spec, strategy, seed, transfer, budget, batch, noisy: o.noise, files: o.spaces });
          }
        }
      }
      const earlier = o.resume && existsSync(o.resume) ? readRuns(o.resume) : new Map<string, BenchRun>();
      const todo = jobs.filter((j) => !earlier.has(jobKey(j)));
      let done = jobs.length - todo.length;
      const fresh = await runBench(todo, workers, (run) => {
        if (o.traces) appendFileSync(o.traces, `${JSON.stringify({ ...run, budgetOption: budget, batch, noisy: o.noise })}\n`);
        process.stderr.write(`\r${++done}/${jobs.length} runs`);
      });
      process.stderr.write("\n");
      const byKey = new Map([...earlier, ...fresh.map((r, i) => [jobKey(todo[i]!), r] as const)]);
      const runs = jobs.map((j) => byKey.get(jobKey(j))!);
      const summary = summarise(runs);
      const cv = candidates.length > 0 ? crossValidate(summary, candidates, o.spaces, [...transferable]) : undefined;
      const wallSeconds = (performance.now() - started) / 1000;
      if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, ...(cv ? { cv } : {}), repeats, batch, budget, noisy: o.noise, wallSeconds })}\n`);
      else process.stdout.write(formatTable(summary, wallSeconds, repeats) + (cv ? formatCv(cv) : ""));
      if (o.doc) {
        const section = benchMarkdown({ summary, strategies, candidates, cv, repeats, firstSeed, wallSeconds, deviceOf, command: process.argv.slice(2) });
        writeFileSync(o.doc, replaceGeneratedSection(readFileSync(o.doc, "utf8"), section, o.doc));
      }
    });
}

/** A run's identity: what it ran on and with, so a resumed benchmark never reuses a run of other settings. */
function jobKey(j: BenchJob): string {
  return runKey({ ...j, strategy: j.transfer ? `${j.strategy}+transfer` : j.strategy, budgetOption: j.budget });
}

type TraceLine = Pick<BenchRun, "space" | "strategy" | "seed"> & { budgetOption: number | "auto"; batch: number; noisy: boolean };

function runKey(r: TraceLine): string {
  return JSON.stringify([r.space, r.strategy, r.seed, r.budgetOption, r.batch, r.noisy]);
}

function readRuns(file: string): Map<string, BenchRun> {
  const out = new Map<string, BenchRun>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const run = JSON.parse(line) as BenchRun & TraceLine;
    out.set(runKey(run), run);
  }
  return out;
}

function crossValidate(summary: BenchSummary, candidates: readonly string[], spaces: readonly string[], transferable: readonly string[]): { scratch: CvResult; transfer?: CvResult } {
  const scores = (suffix: string) => (candidate: string, space: string) => summary.spaces[space]!.strategies[candidate + suffix]!.scores;
  const scratch = leaveOneDeviceOut({ candidates, spaces, scores: scores(""), deviceOf });
  if (transferable.length === 0) return { scratch };
  return { scratch, transfer: leaveOneDeviceOut({ candidates, spaces: transferable, scores: scores("+transfer"), deviceOf }) };
}

export function formatTable(summary: BenchSummary, wallSeconds: number, repeats: number): string {
  const strategies = Object.keys(summary.overall);
  const rows: string[][] = [["space", "B", ...strategies]];
  for (const [space, s] of Object.entries(summary.spaces)) {
    rows.push([space, String(s.budget), ...strategies.map((n) => (s.strategies[n] ? signed(s.strategies[n]!.median) : "-"))]);
  }
  rows.push(["mean over spaces", "", ...strategies.map((n) => `${signed(summary.overall[n]!.mean)} (${summary.overall[n]!.spaces})`)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return `${lines.join("\n")}\nscore: median over ${repeats} seeds per space (0 = random search, 1 = optimum at once); ${wallSeconds.toFixed(1)} s\n`;
}

function formatCv(cv: { scratch: CvResult; transfer?: CvResult }): string {
  const lines: string[] = [];
  for (const [mode, result] of Object.entries(cv) as Array<[string, CvResult]>) {
    lines.push(`cross-validated (${mode}): ${signed(result.mean)}; chosen on all the spaces ${result.inSample.chosen} ${signed(result.inSample.mean)}`);
    for (const f of result.folds) {
      const best = f.best === f.chosen ? "" : `; best there ${f.best} ${signed(f.bestMean)}, within one standard error (${f.standardError.toFixed(3)})`;
      lines.push(`  without ${f.device}: ${f.chosen} (${signed(f.trainMean)} on the others${best}, ${signed(f.heldOutMean)} held out)`);
    }
  }
  return `${lines.join("\n")}\n`;
}
