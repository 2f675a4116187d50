// nightshift bench-strategies: replays search strategies on brute-forced spaces and scores them against
// random search (strategies/score.ts). One JSON line per run goes to --traces; the summary goes to stdout.

import { createWriteStream } from "node:fs";
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { expectedReceived, fail } from "../core/errors.ts";
import { filesWithPriors, runBench, summarise, type BenchJob, type BenchSummary } from "../strategies/bench.ts";
import { DEFAULT_STRATEGY, getStrategy } from "../strategies/registry.ts";

interface Options {
  spaces: string[];
  strategies?: string;
  repeats: string;
  firstSeed: string;
  budget: string;
  batch: string;
  traces?: string;
  json?: boolean;
  transfer?: boolean;
  workers?: string;
  noisy?: boolean;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail("USAGE", expectedReceived(what, "a positive integer", text));
  return n;
}

export function registerBenchStrategies(program: Command): void {
  program
    .command("bench-strategies")
    .description("Score search strategies by replaying brute-forced tuning spaces (Kernel Tuner cache, KTT or T4 files).")
    .requiredOption("--spaces <files...>", "measured space files")
    .option("--strategies <names>", `comma-separated strategy names (default: random and ${DEFAULT_STRATEGY})`)
    .option("--repeats <n>", "seeds per space and strategy (first-seed .. first-seed + n - 1)", "10")
    .option("--first-seed <n>", "first seed", "0")
    .option("--budget <auto|n>", "evaluations per run: auto = ceil(1.1 x N95) clamped to [20, 2000]", "auto")
    .option("--batch <n>", "configurations proposed per round", "8")
    .option("--traces <file>", "write one JSON line per run: space, strategy, seed, budget, trace")
    .option("--json", "print the summary as one JSON object")
    .option("--transfer", "also run each strategy with the other devices' data of the same kernel as priors")
    .option("--workers <n>", "worker threads (default: available cores)")
    .option("--noisy", "strategies observe one recorded sample per evaluation instead of the mean (scores still use the mean)")
    .action(async (o: Options) => {
      const started = performance.now();
      const names = (o.strategies ?? `random,${DEFAULT_STRATEGY}`).split(",").map((s) => s.trim()).filter(Boolean);
      for (const name of names) getStrategy(name);
      const repeats = positiveInt(o.repeats, "--repeats");
      const firstSeed = Number(o.firstSeed);
      if (!Number.isInteger(firstSeed) || firstSeed < 0) fail("USAGE", expectedReceived("--first-seed", "a non-negative integer", o.firstSeed));
      const batch = positiveInt(o.batch, "--batch");
      const budget = o.budget === "auto" ? "auto" : positiveInt(o.budget, "--budget");
      const workers = o.workers ? positiveInt(o.workers, "--workers") : availableParallelism();
      const transferable = new Set(o.transfer ? filesWithPriors(o.spaces) : []);
      const jobs: BenchJob[] = [];
      for (const space of o.spaces) {
        for (const strategy of names) {
          for (const transfer of transferable.has(space) ? [false, true] : [false]) {
            for (let seed = firstSeed; seed < firstSeed + repeats; seed++) jobs.push({ space, strategy, seed, transfer, budget, batch, noisy: o.noisy === true, files: o.spaces });
          }
        }
      }
      const traces = o.traces ? createWriteStream(o.traces) : undefined;
      const runs = await runBench(jobs, workers);
      if (traces) {
        for (const r of runs) traces.write(`${JSON.stringify({ space: r.space, strategy: r.strategy, seed: r.seed, budget: r.budget, trace: r.trace })}\n`);
        await new Promise<void>((resolve, reject) => traces.end((error?: Error | null) => (error ? reject(error) : resolve())));
      }
      const summary = summarise(runs);
      const wallSeconds = (performance.now() - started) / 1000;
      if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, repeats, batch, budget, wallSeconds })}\n`);
      else process.stdout.write(formatTable(summary, wallSeconds, repeats));
    });
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

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;
}
