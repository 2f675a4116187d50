// The one scheduler: a device lane. It runs the harness protocol's build and measure steps (harness/protocol.ts)
// on an executor, on two queues: build slots run side by side, the timing slot is exclusive, so no two
// measurements on a device ever overlap. Whether builds may continue while a variant is timed is the device's
// timing policy (reach.timing):
//   "exclusive"  builds pause while a variant is timed, so no compiler runs beside the kernel being measured
//                (the default: on this machine overlapping builds widen timing noise, docs/bench-timing-policy.md);
//   "overlap"    builds continue, for devices whose builds do not share the timed cores.
// A lane also keeps the device's health: repeated infrastructure faults mark it down, a probe brings it back,
// a refusal (host key, authentication) takes it out for the session. Infrastructure faults come back as
// infra_error results (the campaign records and retries them), never as kernel verdicts.
// Several campaigns may share one lane (the daemon does): each batch then names its owner (RunOptions.share)
// and both queues serve owners fairly (fair-share.ts), so the one timing slot is shared across campaigns too.

import PQueue from "p-queue";
import { fail } from "../core/errors.ts";
import { isInfraFault, refusesDevice } from "../core/infra-fault.ts";
import { log } from "../core/log.ts";
import { sleep } from "../core/sleep.ts";
import type { HardwareProfile, Reach } from "../hardware-profiles/schema.ts";
import { buildVariant, discardBuild, measureVariant, type ProtocolOptions } from "../harness/protocol.ts";
import { isKernelFault, type EvalResult, type ExecRequest, type ExecResult, type Executor, type Variant } from "../harness/types.ts";
import { FairShare, type FairTicket } from "./fair-share.ts";
import type { Runner, RunOptions, ShareTag } from "./types.ts";

export type TimingPolicy = "exclusive" | "overlap";

export interface LaneOptions {
  /** Parallel build slots. */
  builds: number;
  /** Timing slots (1: measurements never overlap each other). */
  runs: number;
  /** Whether builds pause while a variant is timed (see the head of this file). */
  timing: TimingPolicy;
  /** Infrastructure faults in a row before the device is marked down. */
  failuresBeforeDown: number;
  /** First delay between probes of a down device; doubles up to probeMaxMs. */
  probeIntervalMs: number;
  probeMaxMs: number;
  /** How long a variant waits for a down device before it is returned as infra_error. */
  maxDownWaitMs: number;
  /** The protocol's options: whether untrusted code may run unsandboxed where the machine cannot sandbox; tests fix the run seed. */
  measure: ProtocolOptions;
  /**
   * Whether a stopped batch kills everything running on the device. A lane shared by several campaigns
   * says false: one campaign's stop must not kill another's measurement (whose kernel would look broken).
   */
  stopKillsDeviceWork: boolean;
  /** Told of every timing run as it ends, so a schedule can be proved afterwards from what was recorded. */
  onTimed?: (window: TimingWindow) => void;
}

/** One use of the timing slot: epoch milliseconds with sub-millisecond precision. */
export interface TimingWindow {
  device: string;
  variantHash: string;
  owner: string | null;
  startMs: number;
  endMs: number;
}

const DEFAULT_LANE_OPTIONS: LaneOptions = {
  builds: 2,
  runs: 1,
  timing: "exclusive",
  failuresBeforeDown: 2,
  probeIntervalMs: 500,
  probeMaxMs: 30_000,
  maxDownWaitMs: 15_000,
  measure: {},
  stopKillsDeviceWork: true,
};

/** An executor that can also say cheaply whether the device answers and stop everything it runs. */
interface ManagedExecutor extends Executor {
  probe?(): Promise<unknown>;
  cancelAll?(): Promise<void>;
}

export type DeviceState = "up" | "down" | "refused";

export interface LaneStatus {
  device: string;
  state: DeviceState;
  since: string;
  lastFault: string | null;
  infraFaults: number;
  evaluations: number;
  /** Milliseconds the timing slot was busy, and since the first measurement started (for utilisation). */
  timingBusyMs: number;
  timingSpanMs: number;
}

/** Wraps an executor for one variant's steps and remembers every infrastructure fault they met. */
function watchFaults(executor: Executor): { executor: Executor; faults: string[] } {
  const faults: string[] = [];
  const note = (error: unknown) => {
    if (isInfraFault(error)) faults.push(error.message);
    throw error;
  };
  const watched: Executor = {
    name: executor.name,
    base: executor.base ?? executor,
    stage: (label, files) => executor.stage(label, files).catch(note),
    exec: async (request: ExecRequest): Promise<ExecResult> => {
      const result = await executor.exec(request).catch(note);
      if (result.kind === "infra") faults.push(result.cause);
      return result;
    },
    readFile: (path) => executor.readFile(path).catch(note),
    remove: (path) => executor.remove(path).catch(note),
    close: () => executor.close(),
  };
  return { executor: watched, faults };
}

/** The profile's reach when it is the kind the runner drives; a profile reached another way is a configuration error. */
export function reachOf<V extends Reach["via"]>(profile: HardwareProfile, via: V): Extract<Reach, { via: V }> {
  if (profile.reach.via !== via) fail("PROFILE_INVALID", `profile ${profile.name}: expected reach.via ${JSON.stringify(via)}, received ${JSON.stringify(profile.reach.via)}`);
  return profile.reach as Extract<Reach, { via: V }>;
}

export class DeviceLane implements Runner {
  readonly device: HardwareProfile;
  readonly executor: ManagedExecutor;
  private readonly options: LaneOptions;
  private readonly buildQueue: PQueue;
  private readonly timingQueue: PQueue;
  private readonly buildShare = new FairShare();
  private readonly timingShare = new FairShare();
  private state: DeviceState = "up";
  private since = new Date();
  private lastFault: string | null = null;
  private faultsInARow = 0;
  private infraFaults = 0;
  private evaluations = 0;
  private probing: Promise<void> | undefined;
  private readonly upWaiters = new Set<() => void>();
  private timingBusyMs = 0;
  /** Variants being timed right now (builds stay paused until it is back at zero, under the exclusive policy). */
  private timingNow = 0;
  private timingFirstStart: number | undefined;
  private timingLastEnd = 0;
  private closed = false;

  constructor(device: HardwareProfile, executor: ManagedExecutor, options: Partial<LaneOptions> = {}) {
    this.device = device;
    this.executor = executor;
    this.options = { ...DEFAULT_LANE_OPTIONS, ...options };
    this.buildQueue = new PQueue({ concurrency: this.options.builds });
    this.timingQueue = new PQueue({ concurrency: this.options.runs });
  }

  status(): LaneStatus {
    return {
      device: this.device.name,
      state: this.state,
      since: this.since.toISOString(),
      lastFault: this.lastFault,
      infraFaults: this.infraFaults,
      evaluations: this.evaluations,
      timingBusyMs: this.timingBusyMs,
      timingSpanMs: this.timingFirstStart === undefined ? 0 : this.timingLastEnd - this.timingFirstStart,
    };
  }

  async run(batch: readonly Variant[], options: RunOptions = {}): Promise<EvalResult[]> {
    const { signal, onResult, share, inputs } = options;
    const onAbort = () => void this.executor.cancelAll?.();
    if (this.options.stopKillsDeviceWork) signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.all(
        batch.map(async (variant) => {
          const result = await this.evaluate(variant, signal, share, inputs ? { ...this.options.measure, inputs } : this.options.measure);
          await onResult?.(result);
          return result;
        }),
      );
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async close(): Promise<void> {
    // Queued variants are not dropped (their promises would never settle): they see `closed` and return.
    this.closed = true;
    for (const wake of this.upWaiters) wake();
    await this.executor.close();
  }

  private infra(variant: Variant, cause: string, retryable: boolean, startedAt = new Date().toISOString()): EvalResult {
    return { variantHash: variant.hash, device: this.device.name, startedAt, finishedAt: new Date().toISOString(), seed: 0, status: "infra_error", cause, retryable };
  }

  /** A place in one of the queues: in the owner's fair turn when the lane is shared, else first come first served. */
  private queued<T>(queue: PQueue, fair: FairShare, share: ShareTag | undefined, job: () => Promise<T>): Promise<T> {
    const ticket: FairTicket | undefined = share ? fair.ticket(share) : undefined;
    return queue.add(
      async () => {
        ticket?.started();
        return job();
      },
      { priority: ticket?.priority ?? 0 },
    );
  }

  private async evaluate(variant: Variant, signal: AbortSignal | undefined, share: ShareTag | undefined, measure: ProtocolOptions): Promise<EvalResult> {
    const watch = watchFaults(this.executor);
    let startedAt = new Date().toISOString();
    let result: EvalResult;
    let outcome: Awaited<ReturnType<typeof buildVariant>> | null = null;
    while (outcome === null) {
      const ready = await this.waitUntilUp(signal);
      if (ready !== "up") return this.infra(variant, ready.cause, ready.retryable);
      startedAt = new Date().toISOString();
      // A device that went down while this variant waited for a build slot sends it back to wait for the probe.
      outcome = await this.queued(this.buildQueue, this.buildShare, share, async () => (this.usable(signal) ? buildVariant(watch.executor, variant, this.device, measure) : null));
    }
    if (outcome.kind === "failed") {
      result = outcome.result;
    } else {
      try {
        const built = outcome.built;
        result = await this.queued(this.timingQueue, this.timingShare, share, async () => {
          // A device that went down while this variant waited sends it back to wait for the probe.
          if (!this.usable(signal)) {
            const again = await this.waitUntilUp(signal);
            if (again !== "up") return this.infra(variant, again.cause, again.retryable, startedAt);
          }
          if (this.options.timing === "exclusive" && this.timingNow++ === 0) this.buildQueue.pause();
          if (this.options.timing === "exclusive") await this.buildQueue.onPendingZero();
          const begin = performance.now();
          this.timingFirstStart ??= begin;
          try {
            return await measureVariant(watch.executor, built, this.device, measure);
          } finally {
            this.timingLastEnd = performance.now();
            this.timingBusyMs += this.timingLastEnd - begin;
            const epoch = (at: number) => performance.timeOrigin + at;
            this.options.onTimed?.({ device: this.device.name, variantHash: variant.hash, owner: share?.owner ?? null, startMs: epoch(begin), endMs: epoch(this.timingLastEnd) });
            if (this.options.timing === "exclusive" && --this.timingNow === 0) this.buildQueue.start();
          }
        });
      } finally {
        await discardBuild(this.executor, outcome.built);
      }
    }
    if (signal?.aborted && isKernelFault(result)) {
      // Stopping kills remote work, and a killed compiler or kernel proves nothing about the variant.
      result = this.infra(variant, `${this.device.name}: the campaign was stopped while this variant was evaluated`, true, startedAt);
    } else if (watch.faults.length > 0 && isKernelFault(result)) {
      // The device failed while producing this verdict, so the verdict says nothing about the kernel.
      result = { ...this.infra(variant, `${watch.faults[0]} (a ${result.status} verdict was discarded: the device failed while producing it)`, true, startedAt) };
    }
    this.account(result, watch.faults);
    // A refused device will refuse again: say so plainly and stop the campaign from retrying it.
    if (result.status === "infra_error" && this.refused()) result = { ...result, cause: this.lastFault ?? result.cause, retryable: false };
    return result;
  }

  private refused(): boolean {
    return this.state === "refused";
  }

  private usable(signal?: AbortSignal): boolean {
    return this.state === "up" && !this.closed && !signal?.aborted;
  }

  private unusableCause(signal?: AbortSignal): string {
    if (signal?.aborted) return `${this.device.name}: the campaign was stopped before this variant ran`;
    if (this.closed) return `${this.device.name}: the runner was closed`;
    return `${this.device.name} is ${this.state}: ${this.lastFault ?? "unknown fault"}`;
  }

  private account(result: EvalResult, faults: string[]): void {
    if (result.status !== "infra_error") {
      this.evaluations += 1;
      this.faultsInARow = 0;
      return;
    }
    this.infraFaults += 1;
    this.faultsInARow += 1;
    this.lastFault = result.cause;
    const refusal = faults.find((f) => /HOST_KEY_MISMATCH|authentication failure/.test(f));
    if (refusal) {
      this.lastFault = refusal;
      this.setState("refused");
    }
    else if (this.faultsInARow >= this.options.failuresBeforeDown && this.state === "up") this.markDown();
  }

  private setState(state: DeviceState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date();
    log.warn({ device: this.device.name, state, cause: this.lastFault }, "device state changed");
    if (state === "up") for (const wake of [...this.upWaiters]) wake();
  }

  private markDown(): void {
    this.setState("down");
    this.probing ??= this.probeUntilUp().finally(() => {
      this.probing = undefined;
    });
  }

  private async probeUntilUp(): Promise<void> {
    let delay = this.options.probeIntervalMs;
    while (this.state === "down" && !this.closed) {
      await sleep(delay);
      try {
        if (this.executor.probe) await this.executor.probe();
        else {
          const out = await this.executor.exec({ argv: ["true"], cwd: "/", timeoutMs: 10_000 });
          if (out.kind !== "exited" || out.exitCode !== 0) throw new Error(out.kind === "infra" ? out.cause : `true exited ${out.exitCode}`);
        }
        this.faultsInARow = 0;
        this.setState("up");
      } catch (error) {
        this.lastFault = (error as Error).message;
        if (refusesDevice(error)) this.setState("refused");
        delay = Math.min(this.options.probeMaxMs, delay * 2);
      }
    }
  }

  private async waitUntilUp(signal?: AbortSignal): Promise<"up" | { cause: string; retryable: boolean }> {
    if (this.state === "up" && !this.closed && !signal?.aborted) return "up";
    if (this.state === "refused" || this.closed || signal?.aborted) return { cause: this.unusableCause(signal), retryable: this.state !== "refused" };
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.upWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.options.maxDownWaitMs);
      signal?.addEventListener("abort", done, { once: true });
      this.upWaiters.add(done);
    });
    if (this.usable(signal)) return "up";
    return { cause: this.unusableCause(signal), retryable: !this.refused() };
  }
}
