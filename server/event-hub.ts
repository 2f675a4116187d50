// What happens in the daemon's campaigns, as a stream: every campaign event (agents/context.ts) and every
// change of a campaign's queue state, numbered in order. Subscribers get what comes next; a subscriber that
// says where it stopped (an SSE client reconnecting) first gets what it missed, as far as the buffer reaches.

import { randomBytes } from "node:crypto";
import type { CampaignEvent } from "../agents/context.ts";
import type { JobState } from "./jobs.ts";

export type StateEvent = { type: "state"; state: JobState; reason: string | null };

export interface HubEvent {
  /** "<boot>.<seq>": boot changes with every daemon start, so ids from an earlier run are never mistaken for new ones. */
  id: string;
  campaignId: string;
  at: string;
  event: CampaignEvent | StateEvent;
  /** The event as a stream sends it ({campaignId, at, type, ...}), serialised once for every subscriber. */
  json: string;
}

type Listener = (event: HubEvent) => void;

export class EventHub {
  readonly boot = randomBytes(4).toString("hex");
  private seq = 0;
  private readonly buffer: HubEvent[] = [];
  private readonly listeners = new Set<{ campaignId: string | null; listener: Listener }>();
  private readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  publish(campaignId: string, event: CampaignEvent | StateEvent): void {
    const at = new Date().toISOString();
    const hubEvent: HubEvent = { id: `${this.boot}.${++this.seq}`, campaignId, at, event, json: JSON.stringify({ campaignId, at, ...event }) };
    this.buffer.push(hubEvent);
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    for (const l of this.listeners) if (l.campaignId === null || l.campaignId === campaignId) l.listener(hubEvent);
  }

  /**
   * Listens to one campaign (or all, with null). `lastId`: the last event the caller saw; buffered events after
   * it are delivered first (all buffered ones when it came from an earlier daemon run). Returns the unsubscribe.
   */
  subscribe(campaignId: string | null, lastId: string | null, listener: Listener): () => void {
    if (lastId !== null) {
      const [boot, seq] = lastId.split(".");
      const after = boot === this.boot ? Number(seq) : 0;
      for (const e of this.buffer) {
        if (Number(e.id.split(".")[1]) > after && (campaignId === null || e.campaignId === campaignId)) listener(e);
      }
    }
    const entry = { campaignId, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
