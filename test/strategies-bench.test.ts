import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatTable } from "../cli/bench-strategies.ts";
import { filesWithPriors, runBench, specFileFor, type BenchJob } from "../graphs/strategy-bench.ts";
import { summarise } from "../strategies/bench-summary.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const files = [join(DATA, "convolution", "MI250X.json.gz"), join(DATA, "convolution", "A4000.json.gz"), join(DATA, "pnpoly", "RTX_3090.json.gz")];
const specs = ["convolution_milo", "pnpoly", "gemm_milo"].map((t1) => join(DATA, "t1", `${t1}.json`));

function jobs(strategies: string[], transfer: boolean): BenchJob[] {
  const out: BenchJob[] = [];
  const space = files[0]!;
  for (const strategy of strategies) {
    for (let seed = 0; seed < 2; seed++) out.push({ space, spec: specFileFor(space, specs), strategy, seed, transfer, budget: 24, batch: 8, noisy: true, files });
  }
  return out;
}

describe("strategy benchmark", () => {
  it("finds transfer partners by kernel name only", () => {
    expect(filesWithPriors(files)).toEqual(files.slice(0, 2));
  });

  it("finds each space's T1 spec by kernel name", () => {
    expect(files.map((f) => specFileFor(f, specs))).toEqual([specs[0], specs[0], specs[1]]);
  });

  it("gives identical traces in worker threads and in process", async () => {
    const list = jobs(["random", "genetic"], false);
    const inProcess = await runBench(list, 1);
    const threaded = await runBench(list, 2);
    expect(threaded.map((r) => r.trace)).toEqual(inProcess.map((r) => r.trace));
    for (const r of inProcess) {
      expect(r.trace.length).toBe(24);
      expect(r.budget).toBe(24);
    }
  });

  it("summarises medians per space and means over spaces, and labels transfer runs", async () => {
    const runs = await runBench([...jobs(["random"], false), ...jobs(["random"], true)], 1);
    const summary = summarise(runs);
    const space = summary.spaces[files[0]!]!;
    const scores = space.strategies.random!.scores.slice().sort((a, b) => a - b);
    expect(space.strategies.random!.median).toBeCloseTo((scores[0]! + scores[1]!) / 2, 12);
    expect(Object.keys(summary.overall).sort()).toEqual(["random", "random+transfer"]);
    expect(summary.overall.random!.mean).toBeCloseTo(space.strategies.random!.median, 12);
    const table = formatTable(summary, 1.5, 2);
    expect(table).toContain("mean over spaces");
    expect(table).toContain("random+transfer");
  });
});
