// Devices do not wait for each other: each runs its own rounds on its own thread of the campaign graph. A
// replay device finishes its whole budget while a slow device (a Slurm queue, say) has not answered once,
// and a campaign stopped in between resumes each device where it stood.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newDeviceProgress, type CampaignContext, type CampaignEvent } from "../agents/context.ts";
import { buildCampaignGraph } from "../graphs/campaign.ts";
import { openCheckpoints, threadOf } from "../graphs/checkpoints.ts";
import { createCampaign, resumeCampaign, startCampaign } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import { createRunner } from "../runners/factory.ts";
import type { Runner } from "../runners/types.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const T1 = join(DATA, "t1", "pnpoly.json");
const dir = mkdtempSync(join(tmpdir(), "nightshift-async-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function profile(name: string): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, kind: "gpu", reach: { via: "replay", file: join(DATA, "pnpoly", "RTX_3090.json.gz") } }));
  return file;
}

/** A runner that answers nothing until `open` resolves: a device whose queue is busy. */
function gated(inner: Runner, open: Promise<void>): Runner {
  return {
    device: inner.device,
    async run(batch, options) {
      await open;
      return inner.run(batch, options);
    },
    close: () => inner.close(),
  };
}

describe("devices of one campaign", () => {
  const devices = [profile("fast"), profile("slow")];

  it("progress on their own: the fast device finishes its budget before the slow one answers once", async () => {
    let release!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    const events: CampaignEvent[] = [];
    const outcome = await startCampaign(
      { specDir: T1, devices, budget: 24, seed: 1, batchSize: 4 },
      {
        dbPath: join(dir, "async.db"),
        runnerFor: (p, o) => (p.name === "slow" ? gated(createRunner(p, o), open) : createRunner(p, o)),
        onEvent: (event) => {
          events.push(event);
          // With a barrier between rounds this never happens: the fast device would wait for the slow one.
          if (event.type === "device_stopped" && event.device === "fast") release();
        },
      },
    );
    expect(outcome.state).toBe("finished");
    expect(outcome.devices.map((d) => [d.device, d.evaluations, d.stopReason])).toEqual([
      ["fast", 24, "budget"],
      ["slow", 24, "budget"],
    ]);
    const fastDone = events.findIndex((e) => e.type === "device_stopped" && e.device === "fast");
    const slowFirst = events.findIndex((e) => e.type === "evaluation" && e.device === "slow");
    expect(fastDone).toBeGreaterThanOrEqual(0);
    expect(slowFirst).toBeGreaterThan(fastDone);
    const fastRounds = events.filter((e) => e.type === "round" && e.device === "fast").length;
    // The baseline's round, then 23 evaluations in rounds of 4, all before the slow device's first answer.
    expect(fastRounds).toBe(7);
    expect(events.slice(0, fastDone).filter((e) => e.type === "round" && e.device === "slow")).toHaveLength(1);
  });

  it("resume each device where it stood when the campaign was stopped between them", async () => {
    const dbPath = join(dir, "stopped.db");
    const stop = new AbortController();
    const never = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
    const first = await startCampaign(
      { specDir: T1, devices, budget: 16, seed: 2, batchSize: 4 },
      {
        dbPath,
        signal: stop.signal,
        runnerFor: (p, o) => (p.name === "slow" ? gated(createRunner(p, o), never) : createRunner(p, o)),
        onEvent: (event) => {
          if (event.type === "device_stopped" && event.device === "fast") stop.abort();
        },
      },
    );
    expect(first.state).toBe("running");
    expect(first.devices.map((d) => [d.device, d.evaluations])).toEqual([
      ["fast", 16],
      ["slow", 0],
    ]);
    const resumed = await resumeCampaign(first.campaignId, { dbPath });
    expect(resumed.state).toBe("finished");
    expect(resumed.devices.map((d) => [d.device, d.evaluations, d.stopReason])).toEqual([
      ["fast", 16, "budget"],
      ["slow", 16, "budget"],
    ]);
    const store = openStore(dbPath, { mustExist: true });
    const explore = store.evaluations(first.campaignId, { purpose: "explore" });
    store.close();
    for (const device of ["fast", "slow"]) {
      const hashes = explore.filter((e) => e.device === device).map((e) => e.variantHash);
      expect(new Set(hashes).size).toBe(hashes.length);
    }
  });

  it("of a campaign checkpointed on one thread for all of them continue on threads of their own", async () => {
    const dbPath = join(dir, "one-thread.db");
    const record = await createCampaign({ specDir: T1, devices, budget: 12, seed: 3, batchSize: 4 }, { dbPath });
    // The checkpoint such a campaign left after its first step: every device on the campaign's thread, next the planner.
    const saver = openCheckpoints(dbPath);
    const graph = buildCampaignGraph({} as CampaignContext, saver);
    const names = ["fast", "slow"];
    await graph.updateState(threadOf(record.id), { campaignId: record.id, round: 5, activeMs: 0, stopReason: null, devices: Object.fromEntries(names.map((d) => [d, newDeviceProgress(d)])) }, "critic");
    expect((await graph.getState(threadOf(record.id))).next).toEqual(["planner"]);
    saver.db.close();
    const rounds: Array<[string, number]> = [];
    const outcome = await resumeCampaign(record.id, { dbPath, onEvent: (e) => e.type === "round" && rounds.push([e.device, e.round]) });
    // Each device's thread continues from the shared one: its first round is the one after the recorded round.
    for (const name of names) expect(rounds.find(([d]) => d === name)).toEqual([name, 6]);
    expect(outcome.state).toBe("finished");
    expect(outcome.devices.map((d) => [d.device, d.evaluations, d.stopReason])).toEqual([
      ["fast", 12, "budget"],
      ["slow", 12, "budget"],
    ]);
  });
});
