// The runner for this machine. Builds run in parallel (reach.builds at a time); timed runs go strictly
// one at a time, and while one runs no build does, because on a small machine a compiler in the
// background would be measured along with the kernel. Results come back in input order; onResult is
// called as each one is ready.

import PQueue from "p-queue";
import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { LocalExecutor } from "./local-executor.ts";
import { buildVariant, discardBuild, measureVariant, type MeasureOptions } from "./pipeline.ts";
import type { EvalResult, Executor, RunOptions, Runner, Variant } from "./types.ts";

export interface LocalRunnerOptions {
  /** Where commands run; a LocalExecutor by default (tests wrap it to observe the schedule). */
  executor?: Executor;
  /** Let builds continue while a variant is being timed (only sensible with spare cores). */
  overlapBuildsWithRuns?: boolean;
  measure?: MeasureOptions;
}

export class LocalRunner implements Runner {
  readonly device: HardwareProfile;
  private readonly executor: Executor;
  private readonly builds: number;

  constructor(
    device: HardwareProfile,
    private readonly options: LocalRunnerOptions = {},
  ) {
    if (device.reach.via !== "local") fail("PROFILE_INVALID", `reach.via: expected "local" for the local runner, received "${device.reach.via}"`);
    this.device = device;
    this.builds = device.reach.builds;
    this.executor = options.executor ?? new LocalExecutor();
  }

  async run(batch: readonly Variant[], options: RunOptions = {}): Promise<EvalResult[]> {
    const buildQueue = new PQueue({ concurrency: this.builds });
    const runQueue = new PQueue({ concurrency: 1 });
    const results: EvalResult[] = new Array(batch.length);
    const aborted = (variant: Variant): EvalResult => {
      const now = new Date().toISOString();
      return { variantHash: variant.hash, device: this.device.name, startedAt: now, finishedAt: now, seed: 0, status: "infra_error", cause: "the batch was aborted before this variant ran", retryable: true };
    };

    const one = async (variant: Variant): Promise<EvalResult> => {
      if (options.signal?.aborted) return aborted(variant);
      const outcome = await buildQueue.add(() => buildVariant(this.executor, variant, this.device));
      if (outcome.kind === "failed") return outcome.result;
      try {
        return await runQueue.add(async () => {
          if (options.signal?.aborted) return aborted(variant);
          if (this.options.overlapBuildsWithRuns) return measureVariant(this.executor, outcome.built, this.device, this.options.measure);
          buildQueue.pause();
          try {
            await buildQueue.onPendingZero();
            return await measureVariant(this.executor, outcome.built, this.device, this.options.measure);
          } finally {
            buildQueue.start();
          }
        });
      } finally {
        await discardBuild(this.executor, outcome.built);
      }
    };

    await Promise.all(
      batch.map(async (variant, index) => {
        const result = await one(variant);
        results[index] = result;
        await options.onResult?.(result);
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await this.executor.close();
  }
}
