import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_TUNING } from "../graphs/run-campaign.ts";
import { EVAL_STATUSES } from "../harness/types.ts";
import { openStore } from "../results/store.ts";
import type { EvaluationRecord } from "../results/types.ts";
import { testSeed } from "./support/seed.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const BUDGET = 10;
const KILLS = 4;
const CONFIRM_PAIRS = DEFAULT_TUNING.confirmPairs;
const dir = mkdtempSync(join(tmpdir(), "nightshift-kill-"));
const db = join(dir, "store.db");
const env = { ...process.env, NIGHTSHIFT_LOG_LEVEL: "info", VITEST: "" };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function launch(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => text, exited };
}

/** Resolves with the first match once stderr shows it, or null if the process ends first. */
async function waitFor(p: ReturnType<typeof launch>, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void p.exited.then(() => (done = true));
  while (Date.now() < deadline) {
    const match = p.stderr().match(pattern);
    if (match) return match;
    if (done) return null;
    await sleep(20);
  }
  throw new Error(`expected ${pattern} on stderr within ${timeoutMs} ms, received:\n${p.stderr().slice(-2000)}`);
}

describe("a campaign killed with SIGKILL at random moments", () => {
  it("resumes to exactly the budget, never measures a variant twice, and keeps every record intact", async () => {
    const { rng, describe: seedText } = testSeed();
    const delays: number[] = [];
    let id: string | null = null;
    let finishedEarly = false;
    let killedMidway = 0;
    for (let kill = 0; kill < KILLS && !finishedEarly; kill++) {
      const p = id
        ? launch(["resume", id, "--db", db])
        : launch(["run", SPEC, "--budget", String(BUDGET), "--batch", "2", "--db", db, "--seed", "3"]);
      const started = await waitFor(p, /"campaign":"(c-[0-9a-f]+)"[^\n]*campaign started/, 60_000);
      expect(started, `the process ended before the campaign started:\n${p.stderr().slice(-2000)}`).not.toBeNull();
      id ??= started![1]!;
      // Anywhere from the first node to several rounds in: planning, building, running, committing, confirming.
      const delay = Math.round(rng.next() * 2500);
      delays.push(delay);
      await sleep(delay);
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
      const code = await p.exited;
      if (code === 0) finishedEarly = true;
      else if (p.child.signalCode === "SIGKILL") killedMidway++;
    }

    // The test is only meaningful if the campaign really died unfinished, more than once.
    expect(killedMidway, `kill delays ${delays.join(", ")} ms, ${seedText()}`).toBeGreaterThanOrEqual(2);
    const final = spawnSync(process.execPath, [CLI, "resume", id!, "--db", db, "--json"], { env, encoding: "utf8", timeout: 150_000 });
    const context = `kill delays ${delays.join(", ")} ms, ${seedText()}; stderr:\n${final.stderr.slice(-1500)}`;
    if (!finishedEarly) {
      expect(final.status, context).toBe(0);
      const outcome = JSON.parse(final.stdout.trim().split("\n").at(-1)!);
      expect(outcome.campaignId).toBe(id);
      expect(outcome.evaluations, context).toBe(BUDGET);
      expect(outcome.stopReason).toBe("budget");
      expect(outcome.best.medianMs).toBeLessThan(outcome.baseline.medianMs);
    }

    const store = openStore(db, { mustExist: true });
    try {
      const campaign = store.getCampaign(id!)!;
      expect(campaign.state).toBe("finished");
      const all = store.evaluations(id!);
      const explore = all.filter((e) => e.purpose === "explore" && e.status !== "infra_error");
      expect(explore.length, context).toBe(BUDGET);
      const hashes = explore.map((e) => e.variantHash);
      expect(new Set(hashes).size, `a variant was measured twice: ${hashes.join(" ")}`).toBe(hashes.length);
      // Each round's confirmation (the confirm rows after its explore rows) is one interleaved series,
      // candidate first, never longer than the configured pairs: a critic that ran again after a kill
      // reused the runs already committed instead of measuring them again.
      const rounds: EvaluationRecord[][] = [];
      for (const e of all) {
        if (e.purpose === "explore") rounds.push([]);
        else if (e.status !== "infra_error") rounds.at(-1)!.push(e);
      }
      for (const confirms of rounds.filter((r) => r.length > 0)) {
        const order = confirms.map((e) => e.variantHash);
        expect(order.length, `confirmation runs repeated: ${order.join(" ")}; ${context}`).toBeLessThanOrEqual(2 * CONFIRM_PAIRS);
        expect(order[1]).not.toBe(order[0]);
        order.forEach((hash, i) => expect(hash, `not interleaved: ${order.join(" ")}`).toBe(order[i % 2]));
      }
      // Every verdict on the incumbent is recorded once, however often its round ran.
      const verdicts = store.incumbents(id!).map((a) => `${a.incumbent.variantHash} ${a.verdict}`);
      expect(new Set(verdicts).size, `an incumbent row was recorded twice: ${verdicts.join("\n")}`).toBe(verdicts.length);
      expect(store.incumbents(id!).length).toBeGreaterThanOrEqual(1);
      for (const e of all) {
        expect(EVAL_STATUSES).toContain(e.status);
        expect(e.result.variantHash).toBe(e.variantHash);
        expect(e.device).toBe("local");
        expect(store.getVariant(e.variantHash)?.params).toEqual(e.params);
        if (e.result.status === "ok") {
          expect(e.result.samplesMs.length).toBeGreaterThan(0);
          expect(e.result.stats.medianMs).toBe(e.medianMs);
          expect(Number.isFinite(e.result.stats.medianMs)).toBe(true);
        }
      }
    } finally {
      store.close();
    }

    const again = spawnSync(process.execPath, [CLI, "resume", id!, "--db", db], { env, encoding: "utf8", timeout: 60_000 });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("[CAMPAIGN_FINISHED]");
    expect(again.stderr).toContain(`${BUDGET} evaluations`);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  }, 300_000);
});
