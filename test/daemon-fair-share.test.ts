// Fair share of a contended device slot (runners/fair-share.ts) on the same p-queue the lane uses: owners
// get slots in proportion to their weights while both wait, and an owner that arrives late is served at
// once instead of after everything queued before it.

import PQueue from "p-queue";
import { describe, expect, it } from "vitest";
import { FairShare } from "../runners/fair-share.ts";
import type { ShareTag } from "../runners/types.ts";

/** Queues jobs on a one-slot queue in its owner's fair turn; returns the order in which they started. */
function fairQueue() {
  const queue = new PQueue({ concurrency: 1, autoStart: false });
  const share = new FairShare();
  const started: string[] = [];
  const add = (tag: ShareTag, onStart?: () => void) => {
    const ticket = share.ticket(tag);
    void queue.add(async () => {
      ticket.started();
      started.push(tag.owner);
      onStart?.();
    }, { priority: ticket.priority });
  };
  return { queue, add, started };
}

/** The order in which jobs start when each owner queues its batch, in the order given, before the slot opens. */
async function startOrder(batches: Array<[ShareTag, number]>): Promise<string[]> {
  const { queue, add, started } = fairQueue();
  for (const [tag, jobs] of batches) for (let i = 0; i < jobs; i++) add(tag);
  queue.start();
  await queue.onIdle();
  return started;
}

describe("fair share of one slot", () => {
  it("gives owners slots in proportion to their weights while both wait", async () => {
    const first = (await startOrder([[{ owner: "heavy", weight: 2 }, 30], [{ owner: "light", weight: 1 }, 30]])).slice(0, 30);
    expect(first.filter((o) => o === "heavy")).toHaveLength(20);
    expect(first.filter((o) => o === "light")).toHaveLength(10);
    // Never more than two of the heavy owner's jobs in a row while the light one waits.
    expect(first.join(",")).not.toMatch(/heavy,heavy,heavy/);
  });

  it("alternates equal owners whatever order their batches were queued in", async () => {
    const started = await startOrder([[{ owner: "a", weight: 5 }, 8], [{ owner: "b", weight: 5 }, 8]]);
    expect(started).toEqual(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? "a" : "b")));
  });

  it("serves an owner that arrives late within a turn, not after the backlog queued before it", async () => {
    const { queue, add, started } = fairQueue();
    let n = 0;
    for (let i = 0; i < 20; i++) {
      add({ owner: "backlog", weight: 1 }, () => {
        // Five jobs in, a second campaign queues its one job.
        if (++n === 5) add({ owner: "late", weight: 1 });
      });
    }
    queue.start();
    await queue.onIdle();
    expect(started.indexOf("late")).toBeLessThanOrEqual(6);
  });
});
