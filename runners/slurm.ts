// SlurmRunner: the pipeline's build and measure steps as Slurm batch jobs, through the device lane.
// Jobs are followed with scontrol and cancelled with scancel on timeout or when the campaign stops.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { DeviceLane, reachOf, type LaneOptions } from "./pool.ts";
import { SlurmExecutor, type SlurmExecutorOptions } from "./slurm-executor.ts";

export interface SlurmRunnerOptions extends SlurmExecutorOptions {
  lane?: Partial<LaneOptions>;
}

export class SlurmRunner extends DeviceLane {
  declare readonly executor: SlurmExecutor;

  constructor(profile: HardwareProfile, options: SlurmRunnerOptions = {}) {
    const reach = reachOf(profile, "slurm");
    super(profile, new SlurmExecutor(reach, options), { builds: reach.builds, runs: reach.runs, ...options.lane });
  }
}
