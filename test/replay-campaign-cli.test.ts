// Campaigns on recorded GPU data as a user runs them: a T1 tuning-space file as the spec, a replay device
// reading a real brute-forced Kernel Tuner cache, the whole graph (planner, coder, profiler, critic,
// store) in a subprocess, then the report command.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProfile } from "../hardware-profiles/load.ts";
import { openStore } from "../results/store.ts";
import { recordedCostMs, rerunCostMs } from "../runners/replay.ts";
import { loadReplayData } from "../spaces/load.ts";
import { loadSpecOrSpace } from "../spaces/space-spec.ts";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const PNPOLY_T1 = join(ROOT, "data", "spaces", "t1", "pnpoly.json");
const PNPOLY_3090 = join(ROOT, "data", "spaces", "pnpoly", "RTX_3090.json.gz");
const PNPOLY_KTT = join(ROOT, "data", "spaces", "ktt", "KTPnpolyOutput_3090.json.gz");
const GEMM_T1 = join(ROOT, "data", "spaces", "t1", "gemm_milo.json");
const GEMM_3090 = join(ROOT, "data", "spaces", "gemm", "RTX_3090.json.gz");
const dir = mkdtempSync(join(tmpdir(), "nightshift-replay-cli-"));
const db = join(dir, "replay.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nightshift = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" } });

describe("nightshift run on a tuning-space file and recorded data", () => {
  it("tunes pnpoly on the recorded RTX 3090 through the whole graph and reports the result", () => {
    const run = nightshift("run", PNPOLY_T1, "--device", `replay:${PNPOLY_3090}`, "--budget", "40", "--seed", "5", "--db", db, "--json");
    expect(run.status, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim());
    expect(outcome).toMatchObject({ evaluations: 40, stopReason: "budget", baseline: { params: { between_method: 1, block_size_x: 32, tile_size: 1, use_method: 1 } } });
    expect(outcome.best.medianMs).toBeLessThan(outcome.baseline.medianMs);

    const store = openStore(db, { mustExist: true });
    try {
      const record = store.getCampaign(outcome.campaignId)!;
      // Resume needs the spec file again, by absolute path.
      expect(record.config.specDir).toBe(resolve(PNPOLY_T1));
      // The campaign's seed reaches the replay runner (its noisy draws use it).
      const evaluations = store.evaluations(outcome.campaignId);
      expect(evaluations.length).toBeGreaterThanOrEqual(40);
      expect(new Set(evaluations.map((e) => e.result.seed))).toEqual(new Set([5]));
      expect(evaluations.every((e) => e.origin === "template")).toBe(true);
    } finally {
      store.close();
    }

    const out = join(dir, "report");
    const report = nightshift("report", outcome.campaignId, "--db", db, "--out", out);
    expect(report.status, report.stderr).toBe(0);
    const paths = report.stdout.trim().split("\n");
    expect(paths.map((p) => p.slice(out.length + 1)).sort()).toEqual(["cn_pnpoly_convergence.svg", "cn_pnpoly_dispatch.h", "cn_pnpoly_dispatch.json", "cn_pnpoly_report.md"]);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    const markdown = readFileSync(join(out, "cn_pnpoly_report.md"), "utf8");
    expect(markdown).toContain(`- Best verified variant (between_method=${outcome.best.params.between_method}, block_size_x=${outcome.best.params.block_size_x}`);
    expect(markdown).toContain("- Baseline (between_method=1, block_size_x=32, tile_size=1, use_method=1): median");
    expect(readFileSync(join(out, "cn_pnpoly_convergence.svg"), "utf8")).toContain("<svg");
    // Replayed times were never verified here, so the dispatch file names no variant for the device.
    expect(JSON.parse(readFileSync(join(out, "cn_pnpoly_dispatch.json"), "utf8")).excluded).toEqual({ "replay-RTX_3090": "replayed data: never verified by nightshift" });
  });

  it("spends a time budget on a replay device in recorded run time, not in the milliseconds the replay takes", () => {
    const run = nightshift("run", PNPOLY_T1, "--device", `replay:${PNPOLY_3090}`, "--budget", "40", "--time-budget", "5", "--db", db, "--json");
    expect(run.status, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim());
    expect(outcome.stopReason).toBe("time");
    expect(outcome.evaluations).toBeLessThan(40);
    const data = loadReplayData(PNPOLY_3090);
    const store = openStore(db, { mustExist: true });
    const keys = store.evaluations(outcome.campaignId).map((e) => data.space.key(e.params));
    store.close();
    // Each configuration's first run costs its recorded build and run; each confirmation run its run again.
    const recordedMs = keys.reduce((sum, key, i) => sum + (keys.indexOf(key) === i ? recordedCostMs : rerunCostMs)(data.entries.get(key)!), 0);
    expect(recordedMs).toBeGreaterThanOrEqual(5000);
  });

  it("refuses a tuning-space file on a device that would have to build the kernel", () => {
    const run = nightshift("run", PNPOLY_T1, "--device", "local", "--budget", "3", "--db", db);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("a tuning-space file has no kernel source, so it expected replay devices only (--device replay:<file>), received local (local) [USAGE]");
  });

  it("refuses --prior data whose parameters are not the spec's, before anything is recorded", () => {
    // The KTT pnpoly output names its parameters in upper case and adds VERTICES: another version of the kernel.
    const run = nightshift("run", PNPOLY_T1, "--device", `replay:${PNPOLY_3090}`, "--prior", PNPOLY_KTT, "--budget", "3", "--db", join(dir, "refused.db"));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--prior ${resolve(PNPOLY_KTT)}: expected tuning data with the spec's parameters {between_method, block_size_x, tile_size, use_method}, received {VERTICES, BLOCK_SIZE_X`);
    expect(run.stderr.trim().split("\n").filter((l) => !l.startsWith("{"))).toHaveLength(1);
    expect(existsSync(join(dir, "refused.db"))).toBe(false);
  });

  it("keeps T1 parameters the data never varies as constants and narrows the rest to the recorded values", async () => {
    const spec = loadSpecOrSpace(GEMM_T1, [await loadProfile(`replay:${GEMM_3090}`)]);
    // GEMMK and KREG are T1 constants missing from the cache; KWG, STRM, STRN were recorded at one value.
    expect(spec.parameters).toMatchObject({ GEMMK: [0], KREG: [1], KWG: [32], STRM: [0], STRN: [0], MWG: [16, 32, 64, 128] });
    const run = nightshift("run", GEMM_T1, "--device", `replay:${GEMM_3090}`, "--budget", "8", "--db", db, "--json");
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ evaluations: 8, stopReason: "budget", best: { params: { GEMMK: 0, KREG: 1, KWG: 32 } } });
  });
});
