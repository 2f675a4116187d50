import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const GATED = join(import.meta.dirname, "support", "gated-run.ts");
const dir = mkdtempSync(join(tmpdir(), "nightshift-interrupt-"));
const db = join(dir, "store.db");
const env = { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "info" };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Ctrl-C during a campaign", () => {
  it("refuses a second process, stops after the current step, reports the campaign as interrupted, and resume finishes it", async () => {
    // `nightshift run SPEC --budget 6 --batch 2 --json`, whose device holds its third run until the stop
    // request: the campaign cannot finish before the interrupt however fast or slow the machine is.
    const child = spawn(process.execPath, ["--import", "tsx", GATED, SPEC, db], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Interrupt once the baseline has been measured, while later rounds are under way.
    for (let waited = 0; !/"explored":2,/.test(stderr); waited += 20) {
      if (waited > 60_000) throw new Error(`expected a second evaluation within 60 s, received:\n${stderr.slice(-2000)}`);
      await sleep(20);
    }
    const id = /"campaign":"(c-[0-9a-f]+)"/.exec(stderr)![1]!;
    // A second process on the same campaign would measure variants twice: it is refused.
    const second = spawnSync(process.execPath, [CLI, "resume", id, "--db", db], { env, encoding: "utf8", timeout: 60_000 });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`campaign ${id}: expected no other process running it, received one: process ${child.pid}`);

    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const interrupted = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(interrupted.stopReason).toBe("interrupted");
    expect(interrupted.evaluations).toBeLessThan(6);
    expect(interrupted.verified).toBe(true);
    expect(stderr).toContain("stopping after the current step");

    const store = openStore(db, { mustExist: true });
    expect(store.getCampaign(interrupted.campaignId)).toMatchObject({ state: "running", stopReason: "interrupted" });
    store.close();

    const resumed = spawnSync(process.execPath, [CLI, "resume", interrupted.campaignId, "--db", db, "--json"], { env, encoding: "utf8", timeout: 120_000 });
    expect(resumed.status, resumed.stderr.slice(-1500)).toBe(0);
    const outcome = JSON.parse(resumed.stdout.trim().split("\n").at(-1)!);
    expect(outcome).toMatchObject({ campaignId: interrupted.campaignId, evaluations: 6, stopReason: "budget" });
    const after = openStore(db, { mustExist: true });
    const all = after.evaluations(interrupted.campaignId);
    after.close();
    const counted = all.filter((e) => e.purpose === "explore" && e.status !== "infra_error");
    expect(new Set(counted.map((e) => e.variantHash)).size).toBe(6);
    // The runs the stop request cut short measured nothing and were not recorded.
    expect(all.filter((e) => e.status === "infra_error")).toEqual([]);
  }, 200_000);
});
