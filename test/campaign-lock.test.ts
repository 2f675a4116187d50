// One process per campaign: the lock file and its takeover when its owner died.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { lockCampaign } from "../graphs/checkpoints.ts";
import { tempDir } from "../testbed/procs.ts";

const CHILD = join(import.meta.dirname, "support", "lock-child.ts");

/** The pid of a process that has exited (and was reaped), so no process has it now. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

describe("the campaign lock", () => {
  it("takes over a lock whose owner died, and refuses one whose owner is alive", () => {
    const store = join(tempDir("nightshift-lock-"), "store.db");
    writeFileSync(`${store}.c-1.lock`, String(deadPid()));
    const unlock = lockCampaign(store, "c-1");
    expect(readFileSync(`${store}.c-1.lock`, "utf8")).toBe(String(process.pid));
    unlock();

    // A lock file that names no process (left half-written by an older version) is stale too.
    writeFileSync(`${store}.c-3.lock`, "");
    lockCampaign(store, "c-3")();

    writeFileSync(`${store}.c-2.lock`, String(process.ppid));
    expect(() => lockCampaign(store, "c-2")).toThrow(/expected no other process running it, received one: process \d+/);
  });

  it("reports a lock it cannot write as a store error, not a raw file-system error", () => {
    const store = join(tempDir("nightshift-lock-"), "missing-folder", "store.db");
    let thrown: unknown;
    try {
      lockCampaign(store, "c-1");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NightshiftError);
    expect((thrown as NightshiftError).code).toBe("STORE_ERROR");
    expect((thrown as Error).message).toContain("c-1.lock");
  });

  it("lets exactly one of several processes that all find the same stale lock take it", async () => {
    const store = join(tempDir("nightshift-lock-"), "store.db");
    writeFileSync(`${store}.c-1.lock`, String(deadPid()));
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ["--import", "tsx", CHILD, store, "c-1"], { stdio: ["pipe", "pipe", "pipe"] }));
    // Each child answers once (it holds the lock until its stdin closes), so every answer is in before any release.
    const answers = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((resolve) => {
            let out = "";
            c.stdout.on("data", (d: Buffer) => {
              out += d.toString();
              if (out.includes("\n")) resolve(out.trim());
            });
            c.on("exit", () => resolve(out.trim()));
          }),
      ),
    );
    for (const c of children) c.stdin.end();
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.on("exit", resolve)))));
    expect(answers.sort()).toEqual(["USAGE", "USAGE", "USAGE", "locked"]);
  }, 60_000);
});
