// Two campaigns at once on one real device (this machine, gcc, the real harness): builds may overlap, but
// the device's one timing slot is shared by both, so no two timing runs ever overlap. Proved from the timing
// windows the daemon stored, not from any clock threshold.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import { ROOT, startTestDaemon, waitForState, type TestDaemon } from "./support/daemon.ts";

const LOCAL_PROFILE = join(ROOT, "test", "fixtures", "test-local-profile.json");
// Six each: a campaign whose first broken variants get FLAVOR=broken blamed spends one evaluation testing the
// blame (agents/ledger-probe.ts), a compile error that is never timed; six leave both enough timed variants.
const BUDGET = 6;
let d: TestDaemon;

beforeAll(async () => {
  d = await startTestDaemon({ devices: [LOCAL_PROFILE], specRoots: [join(ROOT, "test", "fixtures")] });
});
afterAll(async () => {
  await d?.stop();
});

describe("two campaigns on one device", () => {
  it("never time at the same moment, and both get the device", async () => {
    const body = { spec: { path: "fast-kernel" }, devices: ["test-local"], budget: BUDGET, batch: 2 };
    const [a, b] = await Promise.all([d.json("POST", "/v1/campaigns", { ...body, seed: 1 }), d.json("POST", "/v1/campaigns", { ...body, seed: 2 })]);
    await Promise.all([waitForState(d, a.id, ["finished", "failed"], 600_000), waitForState(d, b.id, ["finished", "failed"], 600_000)]);

    const store = openStore(d.daemon.dbPath, { mustExist: true });
    try {
      for (const id of [a.id, b.id]) {
        expect((await d.json("GET", `/v1/campaigns/${id}`)).state).toBe("finished");
        const counted = store.evaluations(id, { purpose: "explore" }).filter((e) => e.status !== "infra_error");
        expect(counted).toHaveLength(BUDGET);
        expect(new Set(counted.map((e) => e.variantHash)).size).toBe(BUDGET);
      }
      const windows = d.daemon.jobs.timingWindows("test-local");
      for (let i = 1; i < windows.length; i++) {
        const [previous, next] = [windows[i - 1]!, windows[i]!];
        expect(next.startMs, `${next.owner} began timing ${next.variantHash} before ${previous.owner} finished timing ${previous.variantHash}`).toBeGreaterThanOrEqual(previous.endMs);
      }
      // Both campaigns timed here, each window belongs to one of them, and every measured result has its window.
      const owners = new Set(windows.map((w) => w.owner));
      expect(owners).toEqual(new Set([a.id, b.id]));
      for (const id of [a.id, b.id]) {
        const measured = store.evaluations(id).filter((e) => e.status === "ok");
        const timed = windows.filter((w) => w.owner === id).map((w) => w.variantHash);
        for (const e of measured) expect(timed).toContain(e.variantHash);
      }
      // They shared the slot over time rather than one after the other.
      const switches = windows.slice(1).filter((w, i) => w.owner !== windows[i]!.owner).length;
      expect(switches).toBeGreaterThanOrEqual(2);
    } finally {
      store.close();
    }
  }, 900_000);
});
