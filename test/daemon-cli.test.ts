// The command line as a client of a daemon (--server): submit and wait for the verdict (its exit code), list,
// results, report and cancel, as a CI job would run them, against a daemon on loopback.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../testbed/procs.ts";
import { PNPOLY_SPEC, REPLAY_DEVICE, ROOT, startTestDaemon, waitForState, type TestDaemon } from "./support/daemon.ts";

const CLI = join(ROOT, "bin", "nightshift.js");
let d: TestDaemon;
let tokens: string;

beforeAll(async () => {
  d = await startTestDaemon();
  tokens = join(d.dir, "store.tokens.json");
});
afterAll(async () => {
  await d?.stop();
});

const env = () => ({ ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn", NIGHTSHIFT_TOKEN: "" });
/** The CLI in its own process; never spawnSync, which would stop this process's daemon from answering. */
function nightshift(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}
const server = () => ["--server", d.url, "--token-file", tokens];

describe("nightshift as a daemon's client", () => {
  it("submits a campaign, waits for its verdict and exits 0; then lists, shows and downloads it", async () => {
    const run = await nightshift("submit", PNPOLY_SPEC, ...server(), "--device", REPLAY_DEVICE, "--budget", "12", "--seed", "4", "--wait", "--json");
    expect(run.status, run.stderr).toBe(0);
    const detail = JSON.parse(run.stdout.trim());
    expect(detail).toMatchObject({ state: "finished", evaluations: 12 });
    expect(detail.perDevice[0].best).not.toBeNull();
    expect(run.stderr).toMatch(new RegExp(`campaign ${detail.id}: finished`));

    const list = await nightshift("list", ...server(), "--json");
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(detail.id);
    const table = await nightshift("list", ...server());
    expect(table.stdout).toMatch(new RegExp(`${detail.id}\\s+cn_pnpoly\\s+${REPLAY_DEVICE}\\s+finished \\(budget\\)\\s+12/12`));

    const results = await nightshift("results", detail.id, ...server(), "--json");
    expect(results.status, results.stderr).toBe(0);
    // The same shape as `results --json` on the local store: the headline per device, then every evaluation.
    const printed = JSON.parse(results.stdout) as { campaignId: string; headline: Array<{ device: string }>; evaluations: Array<{ purpose: string }> };
    expect(printed.campaignId).toBe(detail.id);
    expect(printed.headline.map((h) => h.device)).toEqual([REPLAY_DEVICE]);
    expect(printed.evaluations.filter((r) => r.purpose === "explore")).toHaveLength(12);

    const out = join(tempDir("nightshift-remote-report-"), "report");
    const report = await nightshift("report", detail.id, ...server(), "--out", out);
    expect(report.status, report.stderr).toBe(0);
    const paths = report.stdout.trim().split("\n");
    expect(paths.map((p) => p.slice(out.length + 1)).sort()).toEqual(["cn_pnpoly_convergence.svg", "cn_pnpoly_dispatch.h", "cn_pnpoly_dispatch.json", "cn_pnpoly_report.md"]);
    for (const p of paths) expect(existsSync(p)).toBe(true);

    const again = await nightshift("cancel", detail.id, ...server());
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("[CAMPAIGN_STATE]");
  });

  it("uploads a local spec for a replay device", async () => {
    const run = await nightshift("submit", join(ROOT, "data", "spaces", "t1", "pnpoly.json"), "--upload", ...server(), "--device", REPLAY_DEVICE, "--budget", "5", "--json");
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: "queued", uploaded: true });
  });

  it("exits 3 when the campaign it waits for is cancelled, and 2 with the daemon's error for a bad request", async () => {
    const child = spawn(process.execPath, [CLI, "submit", PNPOLY_SPEC, ...server(), "--device", REPLAY_DEVICE, "--budget", "600", "--batch", "1", "--wait", "--json"], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const { waitFor } = await import("../testbed/procs.ts");
    await waitFor(() => /campaign (c-[0-9a-f]{8}) queued/.test(stderr), 120_000, "the submit to print its campaign");
    const id = /campaign (c-[0-9a-f]{8})/.exec(stderr)![1]!;
    await waitForState(d, id, ["running"]);
    const cancel = await nightshift("cancel", id, ...server());
    expect(cancel.stdout.trim()).toBe(`campaign ${id} cancelled`);
    expect(await code, stderr).toBe(3);

    const bad = await nightshift("submit", PNPOLY_SPEC, ...server(), "--device", "x;y");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/devices\[0\]: expected only letters, digits .* received "x;y" \[REQUEST_INVALID\]/);
    const noToken = await nightshift("list", "--server", d.url);
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("[USAGE]");
    const down = await nightshift("list", "--server", "http://127.0.0.1:9", "--token-file", tokens);
    expect(down.status).toBe(2);
    expect(down.stderr).toContain("[SERVER_UNREACHABLE]");
  });
});
