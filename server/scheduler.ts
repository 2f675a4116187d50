// The daemon's queue of campaigns: at most maxRunning run at once, higher priority first, then in the order
// they came; pause, resume and cancel at any time; on start, every campaign that was queued or running
// before is taken up again. A campaign's queue state lives in the job store, so a killed daemon loses none.
// How running campaigns share a device is the lane's business (shared-devices.ts); the priority given here
// is also their weight there.

import PQueue from "p-queue";
import type { CampaignEvent } from "../agents/context.ts";
import { fail } from "../core/errors.ts";
import type { CampaignOutcome } from "../graphs/run-campaign.ts";
import type { ShareTag } from "../runners/types.ts";
import { HttpError } from "./http-error.ts";
import { LIVE_STATES, type Job, type JobState, type JobStore } from "./jobs.ts";

export interface CampaignControl {
  signal: AbortSignal;
  share: ShareTag;
  onEvent(event: CampaignEvent): void;
}

export interface SchedulerParts {
  jobs: JobStore;
  maxRunning: number;
  /** Runs (or continues) a campaign until it finishes or `signal` stops it. */
  run(campaignId: string, control: CampaignControl): Promise<CampaignOutcome>;
  publish(campaignId: string, event: CampaignEvent | { type: "state"; state: JobState; reason: string | null }): void;
  /** A cancelled campaign is over: the store is told so once nothing of it runs any more. */
  closeCancelled(campaignId: string): void;
}

type StopAs = "paused" | "cancelled" | "shutdown";

interface Running {
  controller: AbortController;
  stopAs: StopAs | null;
  done: Promise<void>;
}

export class CampaignScheduler {
  private readonly queue: PQueue;
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly parts: SchedulerParts) {
    this.queue = new PQueue({ concurrency: parts.maxRunning });
  }

  submit(campaignId: string, priority: number, uploaded: boolean): Job {
    const job = this.parts.jobs.add(campaignId, priority, uploaded);
    this.parts.publish(campaignId, { type: "state", state: "queued", reason: null });
    this.enqueue(job);
    return job;
  }

  /** Takes up what a previous daemon left queued or running; returns how many. */
  recover(): number {
    const live = this.parts.jobs.all().filter((j) => LIVE_STATES.includes(j.state));
    for (const job of live) this.enqueue(job.state === "queued" ? job : this.setState(job.campaignId, "queued", "resumed after a daemon restart"));
    return live.length;
  }

  pause(campaignId: string): Job {
    const job = this.require(campaignId);
    if (job.state === "paused") return job;
    if (job.state !== "queued" && job.state !== "running") throw this.refuse(job, "pause", "a queued or running campaign");
    return this.stopWith(job, "paused");
  }

  resume(campaignId: string): Job {
    const job = this.require(campaignId);
    if (job.state === "queued" || job.state === "running") return job;
    if (job.state !== "paused") throw this.refuse(job, "resume", "a paused campaign");
    const queued = this.setState(campaignId, "queued", null);
    // A campaign paused a moment ago may still be winding down: it queues itself again when it has stopped.
    if (!this.running.has(campaignId)) this.enqueue(queued);
    return queued;
  }

  cancel(campaignId: string): Job {
    const job = this.require(campaignId);
    if (job.state === "cancelled") return job;
    if (job.state === "finished" || job.state === "failed") throw this.refuse(job, "cancel", "a campaign that has not ended");
    const cancelled = this.stopWith(job, "cancelled");
    if (!this.running.has(campaignId)) this.parts.closeCancelled(campaignId);
    return cancelled;
  }

  /**
   * SIGTERM: nothing new starts; running campaigns stop after their current step (their evaluations in
   * flight finish and are committed) and stay "running" in the job store, so the next start resumes them.
   * After `graceMs` whatever still runs on the devices is killed (closeDevices); it was not committed and
   * is measured again on resume.
   */
  async stop(graceMs: number, closeDevices: () => Promise<void>): Promise<void> {
    this.stopping = true;
    this.queue.pause();
    this.queue.clear();
    for (const r of this.running.values()) {
      r.stopAs = "shutdown";
      r.controller.abort();
    }
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await closeDevices();
    await all;
  }

  private enqueue(job: Job): void {
    if (this.stopping) return;
    void this.queue.add(() => this.runJob(job.campaignId), { priority: job.priority });
  }

  private stopWith(job: Job, as: "paused" | "cancelled"): Job {
    const updated = this.setState(job.campaignId, as, null);
    const running = this.running.get(job.campaignId);
    if (running) {
      running.stopAs = as;
      running.controller.abort();
    }
    return updated;
  }

  private async runJob(campaignId: string): Promise<void> {
    const job = this.parts.jobs.get(campaignId);
    if (!job || job.state !== "queued" || this.running.has(campaignId) || this.stopping) return;
    const controller = new AbortController();
    let finish!: () => void;
    const entry: Running = { controller, stopAs: null, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.running.set(campaignId, entry);
    this.setState(campaignId, "running", null);
    try {
      const outcome = await this.parts.run(campaignId, {
        signal: controller.signal,
        share: { owner: campaignId, weight: job.priority },
        onEvent: (event) => this.parts.publish(campaignId, event),
      });
      // A campaign that reached its end finished, whatever was asked of it meanwhile.
      if (outcome.state === "finished") this.setState(campaignId, "finished", outcome.stopReason);
      else if (entry.stopAs === null) this.setState(campaignId, "paused", `${outcome.stopReason ?? "stopped"}: resume continues it`);
    } catch (error) {
      // An error while it was being stopped is the stop's doing (paused, cancelled or shut down stays so).
      if (entry.stopAs === null) this.setState(campaignId, "failed", (error as Error).message);
    } finally {
      this.running.delete(campaignId);
      finish();
      if (entry.stopAs === "cancelled" && this.parts.jobs.get(campaignId)?.state === "cancelled") this.parts.closeCancelled(campaignId);
      const now = this.parts.jobs.get(campaignId);
      if (now?.state === "queued") this.enqueue(now);
    }
  }

  private setState(campaignId: string, state: JobState, reason: string | null): Job {
    const job = this.parts.jobs.setState(campaignId, state, reason);
    this.parts.publish(campaignId, { type: "state", state, reason });
    return job;
  }

  private require(campaignId: string): Job {
    return this.parts.jobs.get(campaignId) ?? fail("CAMPAIGN_NOT_FOUND", `campaign: expected the id of a campaign this daemon runs, received ${JSON.stringify(campaignId)}`);
  }

  private refuse(job: Job, action: string, expected: string): HttpError {
    return new HttpError(409, "CAMPAIGN_STATE", "id", `${expected} to ${action}`, `campaign ${job.campaignId}, which is ${job.state}`);
  }
}
