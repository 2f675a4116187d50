// `nightshift export`: a real campaign's measurements written as a Kernel Tuner cache and as a T4 file, read
// back through nightshift's own replay readers with the same configurations, times and failures.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import type { EvaluationRecord } from "../results/types.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData } from "../spaces/types.ts";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const PNPOLY_T1 = join(ROOT, "data", "spaces", "t1", "pnpoly.json");
const PNPOLY_3090 = join(ROOT, "data", "spaces", "pnpoly", "RTX_3090.json.gz");
const dir = mkdtempSync(join(tmpdir(), "nightshift-export-"));
const db = join(dir, "campaign.db");
let campaignId = "";
let exploredOnce: EvaluationRecord[] = [];

const nightshift = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" } });

/** Every exported configuration with its objective (null for a failure) and samples, keyed as the readers key them. */
function contents(data: ReplayData): Map<string, { value: number | null; samples: number[] | undefined }> {
  return new Map([...data.entries].map(([key, e]) => [key, { value: e.value, samples: e.samples }]));
}

beforeAll(() => {
  const run = nightshift("run", PNPOLY_T1, "--device", `replay:${PNPOLY_3090}`, "--budget", "30", "--seed", "3", "--db", db, "--json");
  expect(run.status, run.stderr).toBe(0);
  campaignId = JSON.parse(run.stdout.trim()).campaignId;
  const store = openStore(db, { mustExist: true });
  try {
    exploredOnce = store.evaluations(campaignId).filter((e) => e.status !== "infra_error");
  } finally {
    store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("nightshift export", () => {
  it("writes a Kernel Tuner cache and a T4 file that our replay readers load back with the same configurations and times", () => {
    const kt = nightshift("export", campaignId, "--format", "kernel-tuner", "--out", join(dir, "kt"), "--db", db);
    const t4 = nightshift("export", campaignId, "--format", "t4", "--out", join(dir, "t4"), "--db", db);
    expect(kt.status, kt.stderr).toBe(0);
    expect(t4.status, t4.stderr).toBe(0);
    const ktData = loadReplayData(kt.stdout.trim().split("\n")[0]!.split("  ")[0]!);
    const t4Data = loadReplayData(t4.stdout.trim().split("\n")[0]!.split("  ")[0]!);
    expect(ktData.format).toBe("kernel-tuner-cache");
    expect(t4Data.format).toBe("t4");

    const stored = new Map<string, { value: number | null; samples: number[] | undefined }>();
    for (const e of exploredOnce) {
      const key = ktData.space.key(e.params);
      stored.set(key, e.result.status === "ok" ? { value: e.result.stats.meanMs, samples: e.result.samplesMs } : { value: null, samples: undefined });
    }
    expect(stored.size).toBeGreaterThanOrEqual(20);
    expect(contents(ktData)).toEqual(stored);
    expect(contents(t4Data)).toEqual(stored);
    // What was recorded on the RTX 3090 comes back unchanged: the export is the measurement, not a summary of it.
    const original = loadReplayData(PNPOLY_3090);
    for (const [key, entry] of ktData.entries) if (entry.value !== null) expect(entry.samples).toEqual(original.entries.get(key)!.samples);
  });

  it("refuses an unknown format and a device the campaign did not use, with one line each", () => {
    const format = nightshift("export", campaignId, "--format", "csv", "--db", db);
    expect(format.status).toBe(2);
    expect(format.stderr.trim()).toBe('nightshift: --format: expected kernel-tuner or t4, received "csv" [USAGE]');
    const device = nightshift("export", campaignId, "--format", "t4", "--device", "a100", "--out", join(dir, "none"), "--db", db);
    expect(device.status).toBe(2);
    expect(device.stderr.trim().split("\n")).toHaveLength(1);
    expect(device.stderr).toMatch(/expected one of the campaign's devices \(.+\), received "a100"/);
  });
});
