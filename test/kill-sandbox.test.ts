// nightshift killed with SIGKILL at random moments, while it measures a kernel that never returns and while it
// runs a campaign: nothing it started from a variant survives it (the monitor and sandbox_exec die with their
// parent, and everything in a sandbox dies with the sandbox's first process). Every run gets its own TMPDIR,
// so anything left is found by its path.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../testbed/procs.ts";
import { testSeed } from "./support/seed.ts";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const SAXPY = join(ROOT, "test", "fixtures", "saxpy");
const work = mkdtempSync(join(tmpdir(), "nightshift-kill-sandbox-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts the CLI with its own TMPDIR, kills it with SIGKILL after `delayMs`, and returns that TMPDIR. */
async function killAfter(args: string[], delayMs: number, label: string): Promise<string> {
  const own = join(work, label);
  mkdirSync(own, { recursive: true });
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: own, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn", NIGHTSHIFT_DB: join(own, "store.db") }, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await sleep(delayMs);
  child.kill("SIGKILL");
  await exited;
  return own;
}

/**
 * Processes of one run: by their command line, or (inside a sandbox, where a variant is /work/variant_bin) by
 * the host directory their /work is mounted from.
 */
function processesOf(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dir) || readFileSync(`/proc/${pid}/mountinfo`, "utf8").includes(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** Whatever nightshift started and left running under its TMPDIR; trusted compilers may finish, a kernel never would. */
async function nothingLeftUnder(dir: string, context: string): Promise<void> {
  await waitFor(() => processesOf(dir).length === 0, 20_000, `every process under ${dir} to end (${context}): ${processesOf(dir).join("; ")}`);
}

describe("killing nightshift with SIGKILL", () => {
  it("during measure of a kernel that never returns leaves no process behind, at any moment", async () => {
    const { rng, describe: seedText } = testSeed();
    const source = join(work, "forever.c");
    writeFileSync(source, "void saxpy(int n, float a, const float* x, const float* y, float* out) {\n  volatile int spin = 1;\n  while (spin) {}\n  for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i];\n}\n");
    for (let round = 0; round < 4; round++) {
      // From the first build to deep inside the sandboxed run.
      const delay = 500 + Math.round(rng.next() * 9000);
      const dir = await killAfter(["measure", SAXPY, "--source", source], delay, `measure-${round}`);
      await nothingLeftUnder(dir, `measure killed after ${delay} ms, ${seedText()}`);
    }
  }, 600_000);

  it("during a campaign leaves no process behind, at any moment", async () => {
    const { rng, describe: seedText } = testSeed();
    for (let round = 0; round < 3; round++) {
      const delay = 1000 + Math.round(rng.next() * 15000);
      const dir = await killAfter(["run", SAXPY, "--budget", "6", "--seed", String(round)], delay, `run-${round}`);
      await nothingLeftUnder(dir, `campaign killed after ${delay} ms, ${seedText()}`);
    }
    expect(processesOf(work)).toEqual([]);
  }, 600_000);
});
