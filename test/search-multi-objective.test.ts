// Time under a bound on a second recorded objective: a campaign on KTT's pnpoly data (registers per thread
// recorded for every configuration) keeps only variants within the bound as incumbents, shows the search
// only those as successes, and reports the Pareto front of time against registers.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { observations } from "../agents/history.ts";
import { isNightshiftError } from "../core/errors.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { loadReplayData } from "../spaces/load.ts";
import { paretoFront, parseConstraint } from "../strategies/objectives.ts";
import { KTT_PNPOLY, replaySpecFolder } from "./replay-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "nightshift-objectives-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a second objective", () => {
  it("is parsed from METRIC<=N and refused in any other form, naming the metrics", () => {
    expect(parseConstraint("registers<=64")).toEqual({ metric: "registers", max: 64 });
    expect(parseConstraint(" shared_memory <= 4096 ")).toEqual({ metric: "shared_memory", max: 4096 });
    for (const bad of ["energy<=5", "registers<64", "registers<=lots"]) {
      const error = (() => {
        try {
          return parseConstraint(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(isNightshiftError(error) && error.code).toBe("USAGE");
      expect((error as Error).message).toContain("registers, shared_memory, object_size");
    }
  });

  it("has a Pareto front of the points nothing beats on both time and the metric, fastest first", () => {
    const points = [
      { time: 3, metric: 10 },
      { time: 1, metric: 50 },
      { time: 2, metric: 20 },
      { time: 2.5, metric: 30 },
      { time: 1, metric: 60 },
      { time: 4, metric: 10 },
    ];
    expect(paretoFront(points)).toEqual([1, 2, 0]);
  });

  it("bounds a campaign on recorded data: incumbents within the bound, the front in the report", async () => {
    const data = loadReplayData(KTT_PNPOLY);
    const spec = replaySpecFolder(join(dir, "spec"), "Pnpoly", Object.fromEntries(data.parameters.map((p) => [p.name, [...p.values]])));
    const profile = join(dir, "ktt.json");
    writeFileSync(profile, JSON.stringify({ name: "ktt-3090", kind: "gpu", reach: { via: "replay", file: KTT_PNPOLY } }));
    const dbPath = join(dir, "bounded.db");
    const bound = 40;
    const outcome = await startCampaign({ specDir: spec.dir, devices: [profile], budget: 60, seed: 4, batchSize: 8, constraints: [{ metric: "registers", max: bound }] }, { dbPath });
    const registers = (params: Record<string, unknown>) => data.entries.get(data.space.key(params as never))!.registers!;

    const store = openStore(dbPath, { mustExist: true });
    const accepted = store.incumbents(outcome.campaignId);
    const explore = store.evaluations(outcome.campaignId, { purpose: "explore" });
    const files = writeReport(store, outcome.campaignId, join(dir, "report"));
    store.close();

    expect(accepted.length).toBeGreaterThan(1);
    for (const a of accepted) expect(registers(a.incumbent.params)).toBeLessThanOrEqual(bound);
    expect(registers(outcome.best!.params)).toBeLessThanOrEqual(bound);
    // The bound mattered: something measured was faster but used more registers.
    const faster = explore.filter((e) => e.status === "ok" && e.medianMs! < outcome.best!.medianMs);
    expect(faster.length).toBeGreaterThan(0);
    for (const e of faster) expect(registers(e.params)).toBeGreaterThan(bound);
    // The search sees a variant over the bound as it sees a failure.
    const seen = observations(explore, [{ metric: "registers", max: bound }]);
    explore.forEach((e, i) => expect(seen[i]!.value).toBe(e.status === "ok" && registers(e.params) <= bound ? e.medianMs : null));

    const report = readFileSync(files.markdownPath, "utf8");
    expect(report).toContain("## Pareto fronts");
    expect(report).toContain(`Time was minimised under registers <= ${bound} (registers per thread).`);
    const rows = report.split("## Pareto fronts")[1]!.split("\n").filter((l) => /^\| \d/.test(l));
    const front = rows.map((r) => r.split("|").map((c) => c.trim())).map((c) => ({ ms: Number(c[1]), registers: Number(c[2]), within: c[3] }));
    expect(front.length).toBeGreaterThan(1);
    for (let i = 1; i < front.length; i++) {
      expect(front[i]!.ms).toBeGreaterThan(front[i - 1]!.ms);
      expect(front[i]!.registers).toBeLessThan(front[i - 1]!.registers);
    }
    expect(front.some((p) => p.within === "yes")).toBe(true);
    expect(front.some((p) => p.within === "no")).toBe(true);
  });
});
