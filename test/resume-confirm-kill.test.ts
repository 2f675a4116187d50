// A process killed inside the critic: once in the middle of a confirmation run, once right after it
// recorded the new incumbent. The critic runs the round again on resume; it must reuse the confirmation
// runs already committed and record the incumbent once.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import { tempDir } from "../testbed/procs.ts";
import { KILL_VARIANTS } from "./support/kill-scenario.ts";

const CHILD = join(import.meta.dirname, "support", "kill-child.ts");

function child(db: string, what: string, kill: string) {
  const run = spawnSync(process.execPath, ["--import", "tsx", CHILD, db, what], {
    env: { ...process.env, NIGHTSHIFT_TEST_KILL: kill, VITEST: "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { ...run, id: run.stdout.split("\n")[0]!.trim() };
}

describe("a kill inside the critic", () => {
  it("repeats no confirmation run and records no incumbent twice when the round runs again", () => {
    const db = join(tempDir("nightshift-confirm-kill-"), "store.db");
    const { base, first, second } = KILL_VARIANTS;

    const inConfirm = child(db, "start", "confirm");
    expect(inConfirm.signal, inConfirm.stderr.slice(-1500)).toBe("SIGKILL");
    const id = inConfirm.id;
    const store = openStore(db, { mustExist: true });
    try {
      expect(store.evaluations(id, { purpose: "confirm" }).map((e) => e.variantHash)).toEqual([first, base]);

      const afterAccept = child(db, id, "diagnose");
      expect(afterAccept.signal, afterAccept.stderr.slice(-1500)).toBe("SIGKILL");
      expect(store.incumbents(id).map((a) => a.incumbent.variantHash)).toEqual([base, first]);

      const last = child(db, id, "");
      expect(last.status, last.stderr.slice(-1500)).toBe(0);
      expect(JSON.parse(last.stdout.split("\n")[1]!)).toEqual({ state: "finished", stopReason: "budget", evaluations: 3 });

      const confirms = store.evaluations(id, { purpose: "confirm" }).map((e) => e.variantHash);
      expect(confirms).toEqual([first, base, first, base, first, base, second, first, second, first, second, first]);
      expect(store.incumbents(id).map((a) => a.incumbent.variantHash)).toEqual([base, first, second]);
      const explore = store.evaluations(id, { purpose: "explore" }).map((e) => e.variantHash);
      expect(explore).toEqual([base, first, second]);
    } finally {
      store.close();
    }
  }, 120_000);
});
