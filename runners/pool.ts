// The device pool: one lane per device, and the pool that holds several of them.
// A lane schedules the pipeline's build and measure steps on two queues (build slots run side by side,
// the timing slot is exclusive), so the next variants build while the current one is timed. It also
// keeps the device's health: repeated infrastructure faults mark it down, a probe brings it back, a
// refusal (host key, authentication) takes it out for the session. Infrastructure faults come back as
// infra_error results (the campaign records and retries them), never as kernel verdicts.

import PQueue from "p-queue";
import { fail } from "../core/errors.ts";
import { log } from "../core/log.ts";
import type { HardwareProfile, Reach } from "../hardware-profiles/schema.ts";
import { buildVariant, discardBuild, measureVariant } from "./pipeline.ts";
import type { EvalResult, ExecRequest, ExecResult, Executor, Runner, RunOptions, Variant } from "./types.ts";
import { isKernelFault } from "./types.ts";
import { isInfraFault, refusesDevice } from "./ssh/fault.ts";

export interface LaneOptions {
  /** Parallel build slots. */
  builds: number;
  /** Timing slots (1: measurements never overlap each other). */
  runs: number;
  /** Infrastructure faults in a row before the device is marked down. */
  failuresBeforeDown: number;
  /** First delay between probes of a down device; doubles up to probeMaxMs. */
  probeIntervalMs: number;
  probeMaxMs: number;
  /** How long a variant waits for a down device before it is returned as infra_error. */
  maxDownWaitMs: number;
}

export const DEFAULT_LANE_OPTIONS: LaneOptions = {
  builds: 2,
  runs: 1,
  failuresBeforeDown: 2,
  probeIntervalMs: 500,
  probeMaxMs: 30_000,
  maxDownWaitMs: 15_000,
};

/** An executor that can also say cheaply whether the device answers and stop everything it runs. */
export interface ManagedExecutor extends Executor {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  private state: DeviceState = "up";
  private since = new Date();
  private lastFault: string | null = null;
  private faultsInARow = 0;
  private infraFaults = 0;
  private evaluations = 0;
  private probing: Promise<void> | undefined;
  private readonly upWaiters = new Set<() => void>();
  private timingBusyMs = 0;
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
    const { signal, onResult } = options;
    const onAbort = () => void this.executor.cancelAll?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.all(
        batch.map(async (variant) => {
          const result = await this.evaluate(variant, signal);
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

  private async evaluate(variant: Variant, signal?: AbortSignal): Promise<EvalResult> {
    const watch = watchFaults(this.executor);
    let startedAt = new Date().toISOString();
    let result: EvalResult;
    let outcome: Awaited<ReturnType<typeof buildVariant>> | null = null;
    while (outcome === null) {
      const ready = await this.waitUntilUp(signal);
      if (ready !== "up") return this.infra(variant, ready.cause, ready.retryable);
      startedAt = new Date().toISOString();
      // A device that went down while this variant waited for a build slot sends it back to wait for the probe.
      outcome = await this.buildQueue.add(async () => (this.usable(signal) ? buildVariant(watch.executor, variant, this.device) : null));
    }
    if (outcome.kind === "failed") {
      result = outcome.result;
    } else {
      try {
        const built = outcome.built;
        result = await this.timingQueue.add(async () => {
          // A device that went down while this variant waited sends it back to wait for the probe.
          if (!this.usable(signal)) {
            const again = await this.waitUntilUp(signal);
            if (again !== "up") return this.infra(variant, again.cause, again.retryable, startedAt);
          }
          const begin = performance.now();
          this.timingFirstStart ??= begin;
          try {
            return await measureVariant(watch.executor, built, this.device);
          } finally {
            this.timingLastEnd = performance.now();
            this.timingBusyMs += this.timingLastEnd - begin;
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

/** A runner that reports its device's health (every lane does). */
export interface PooledRunner extends Runner {
  status(): LaneStatus;
}

/**
 * Several devices in one campaign. Each device keeps its own lane, queue and results; a device that is
 * down or refused never holds up the others. The campaign asks for one runner per device (`runner(name)`),
 * or runs one batch per device at once with `runAll`.
 */
export class DevicePool {
  private readonly lanes = new Map<string, PooledRunner>();

  constructor(runners: Iterable<PooledRunner>) {
    for (const runner of runners) {
      if (this.lanes.has(runner.device.name)) fail("USAGE", `device pool: expected distinct device names, received ${JSON.stringify(runner.device.name)} twice`);
      this.lanes.set(runner.device.name, runner);
    }
  }

  get devices(): string[] {
    return [...this.lanes.keys()];
  }

  runner(name: string): PooledRunner {
    const lane = this.lanes.get(name);
    if (!lane) fail("USAGE", `device pool: expected one of ${JSON.stringify(this.devices)}, received ${JSON.stringify(name)}`);
    return lane;
  }

  status(): LaneStatus[] {
    return [...this.lanes.values()].map((lane) => lane.status());
  }

  /** Runs each device's batch on that device, all devices at once; results come back per device, in order. */
  async runAll(batches: Readonly<Record<string, readonly Variant[]>>, options: RunOptions = {}): Promise<Record<string, EvalResult[]>> {
    const entries = await Promise.all(Object.entries(batches).map(async ([name, batch]) => [name, await this.runner(name).run(batch, options)] as const));
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((lane) => lane.close()));
  }
}
