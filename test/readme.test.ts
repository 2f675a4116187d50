// The README's first screen promises two commands. This test holds them to it: it breaks when the README's
// commands change without it, and it runs the campaign command (with a small budget, to stay quick) to check
// that it ends with a verified speedup.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const dir = mkdtempSync(join(tmpdir(), "nightshift-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The commands of the README's first fenced code block, without their trailing comments. */
function firstScreenCommands(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /^```[a-z]*\n([\s\S]*?)^```/m.exec(readme);
  if (!block) throw new Error("expected a fenced code block in README.md, received none");
  return block[1]!
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "");
}

const nightshift = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000, env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" } });

describe("the README's first screen", () => {
  it("shows exactly the install-and-tune command and the test command", () => {
    expect(firstScreenCommands()).toEqual(["npm ci && npx nightshift run examples/matmul", "npm test"]);
  });

  it("runs the tuning command to a finished campaign with a verified speedup over the baseline", () => {
    const campaign = firstScreenCommands()[0]!;
    // The nightshift part of the command as written, with a budget small enough for the test suite.
    const args = campaign.slice(campaign.indexOf("npx nightshift ") + "npx nightshift ".length).split(/\s+/);
    const db = join(dir, "readme.db");
    const run = nightshift([...args, "--budget", "6", "--db", db, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim());
    expect(outcome).toMatchObject({ evaluations: 6, stopReason: "budget", verified: true });
    expect(outcome.baseline.medianMs).toBeGreaterThan(0);
    expect(outcome.speedup).toBeGreaterThan(1);
    expect(outcome.best.medianMs).toBeLessThan(outcome.baseline.medianMs);

    const list = nightshift(["list", "--db", db, "--json"]);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: outcome.campaignId, spec: "matmul", state: "finished", stopReason: "budget" })]);
  }, 600_000);
});
