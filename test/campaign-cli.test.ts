// The campaign commands as a user runs them: bin/nightshift.js in a subprocess, a real store file.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { printOutcome } from "../cli/run.ts";
import type { CampaignOutcome, DeviceOutcome } from "../graphs/run-campaign.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-cli-"));
const db = join(dir, "cli.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nightshift = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" } });

describe("nightshift run, list, results, report", () => {
  let id = "";

  it("run --json prints exactly one JSON object with the outcome", () => {
    const run = nightshift("run", SPEC, "--budget", "4", "--db", db, "--json", "--seed", "3");
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const outcome = JSON.parse(lines[0]!);
    expect(Object.keys(outcome)).toEqual(["campaignId", "evaluations", "stopReason", "baseline", "best", "speedup", "verified", "devices"]);
    expect(outcome.verified).toBe(true);
    expect(outcome.devices).toEqual([expect.objectContaining({ device: "local", evaluations: 4, verified: true, speedupCi: [expect.any(Number), expect.any(Number)] })]);
    expect(outcome).toMatchObject({ evaluations: 4, stopReason: "budget", baseline: { params: { UNROLL: 1, PASSES: 16, FLAVOR: "plain" } } });
    expect(outcome.best.ci).toHaveLength(2);
    expect(outcome.speedup).toBeCloseTo(outcome.baseline.medianMs / outcome.best.medianMs, 2);
    id = outcome.campaignId;
  });

  it("list shows the campaign with its spec, devices, state and evaluations", () => {
    const list = nightshift("list", "--db", db, "--json");
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, spec: "fastscale", devices: ["local"], state: "finished", stopReason: "budget", evaluations: 4 })]);
    const text = nightshift("list", "--db", db);
    expect(text.stdout).toMatch(new RegExp(`${id}\\s+fastscale\\s+local\\s+finished \\(budget\\)\\s+4/4`));
  });

  it("results lists one row per evaluation with hash, parameters, status and median", () => {
    const results = nightshift("results", id, "--db", db, "--json");
    expect(results.status, results.stderr).toBe(0);
    const printed = JSON.parse(results.stdout) as { campaignId: string; headline: unknown[]; evaluations: Array<{ variantHash: string; params: object; status: string; medianMs: number | null; purpose: string }> };
    expect(printed.campaignId).toBe(id);
    expect(printed.headline).toHaveLength(1);
    const rows = printed.evaluations;
    expect(rows.filter((r) => r.purpose === "explore")).toHaveLength(4);
    expect(rows[0]).toMatchObject({ params: { UNROLL: 1, PASSES: 16, FLAVOR: "plain" }, status: "ok", purpose: "explore" });
    for (const r of rows) {
      expect(r.variantHash).toMatch(/^[0-9a-f]{16}$/);
      expect(r.status === "ok" ? r.medianMs : null).toBe(r.medianMs);
    }
    const text = nightshift("results", id, "--db", db);
    expect(text.stdout.trim().split("\n").filter((line) => !line.startsWith("# "))).toHaveLength(rows.length);
  });

  it("report writes the report files and prints their paths", () => {
    const out = join(dir, "report");
    const report = nightshift("report", id, "--db", db, "--out", out);
    expect(report.status, report.stderr).toBe(0);
    const paths = report.stdout.trim().split("\n");
    expect(paths.length).toBeGreaterThanOrEqual(2);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
  });

  it("explains bad input in one line, without a stack trace", () => {
    const badBudget = nightshift("run", SPEC, "--budget", "0", "--db", db);
    expect(badBudget.status).toBe(2);
    expect(badBudget.stderr).toContain('--budget: expected an integer >= 1, received "0"');
    const unknown = nightshift("resume", "c-00000000", "--db", db);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("[CAMPAIGN_NOT_FOUND]");
    expect(unknown.stderr).toContain(id);
    for (const r of [badBudget, unknown]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the printed outcome", () => {
  const device: DeviceOutcome = {
    device: "replay-gpu",
    evaluations: 5,
    confirms: 6,
    infraErrors: 0,
    failures: {},
    stopReason: "budget",
    baseline: { params: { TILE: 1 }, medianMs: 2, ci: [1.9, 2.1] },
    best: { params: { TILE: 8 }, medianMs: 1, ci: [0.95, 1.05], variantHash: "h8" },
    speedup: 2,
    speedupCi: [1.81, 2.211],
    verified: false,
    diagnosis: null,
    headline: {
      device: "replay-gpu",
      baseline: { variantHash: "h1", params: { TILE: 1 }, medianMs: 2, ci95Ms: [1.9, 2.1], measurement: "its exploration run (15 samples)" },
      best: { variantHash: "h8", params: { TILE: 8 }, medianMs: 1, ci95Ms: [0.95, 1.05], measurement: "the pooled median of the critic's interleaved confirmation runs", verdict: "accepted h8", replayed: true, evidence: "recorded" },
      speedup: 2,
      speedupCi95: [1.81, 2.211],
      libraries: [],
    },
  };
  const outcome: CampaignOutcome = { campaignId: "c-1", spec: "k", state: "finished", evaluations: 5, stopReason: "budget", baseline: device.baseline, best: device.best, speedup: 2, verified: false, devices: [device] };
  const printed = (json: boolean): string => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      printOutcome(outcome, json);
      return write.mock.calls.map((c) => String(c[0])).join("");
    } finally {
      write.mockRestore();
    }
  };

  it("says in --json that a replayed best is not verified, with the per-device entries even for one device", () => {
    const json = JSON.parse(printed(true));
    expect(json.verified).toBe(false);
    expect(json.devices).toEqual([expect.objectContaining({ device: "replay-gpu", verified: false, speedupCi: [1.81, 2.211] })]);
  });

  it("prints the speedup with its confidence interval", () => {
    expect(printed(false)).toContain("speedup  2.00x (95% CI 1.81x..2.21x) over the baseline (replayed from recorded data, not verified here)");
  });
});
