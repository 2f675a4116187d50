// Fair share of one device's slots between the campaigns that wait for them: start-time fair queueing.
// Each job gets a start tag when it is queued: the later of the virtual time (the tag of the last job that
// started) and its owner's previous finish tag; the owner's finish tag then moves on by 1 / weight. Jobs run
// in start-tag order, so an owner that queues a batch of eight cannot make an owner with one job wait for all
// eight, and an owner of weight 2 gets two slots for every one of an owner of weight 1 while both wait.
// Tags are fixed when a job is queued, which is what lets a plain priority queue (p-queue) run them.

import type { ShareTag } from "./types.ts";

export interface FairTicket {
  /** For p-queue, which runs greater priorities first: the negated start tag. */
  priority: number;
  /** Call when the job leaves the queue and starts. */
  started(): void;
}

export class FairShare {
  private virtualTime = 0;
  private readonly finishTags = new Map<string, number>();

  ticket(tag: ShareTag): FairTicket {
    if (!(tag.weight > 0)) throw new RangeError(`share weight: expected a positive number, received ${tag.weight}`);
    const start = Math.max(this.virtualTime, this.finishTags.get(tag.owner) ?? 0);
    this.finishTags.set(tag.owner, start + 1 / tag.weight);
    return {
      priority: -start,
      started: () => {
        this.virtualTime = Math.max(this.virtualTime, start);
        this.forgetIdleOwners();
      },
    };
  }

  /** An owner whose finish tag the virtual time has passed would start at the virtual time anyway. */
  private forgetIdleOwners(): void {
    for (const [owner, finish] of this.finishTags) if (finish <= this.virtualTime) this.finishTags.delete(owner);
  }
}
