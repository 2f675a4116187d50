// SlurmRunner: the pipeline's build and measure steps as Slurm batch jobs, through the device lane.
// Jobs are followed with scontrol and cancelled with scancel on timeout or when the campaign stops.

import { fail } from "../core/errors.ts";
import type { HardwareProfile, SlurmReach } from "../hardware-profiles/schema.ts";
import { DeviceLane, type LaneOptions } from "./pool.ts";
import { SlurmExecutor, type SlurmExecutorOptions } from "./slurm-executor.ts";

export interface SlurmRunnerOptions extends SlurmExecutorOptions {
  lane?: Partial<LaneOptions>;
}

export function slurmReachOf(profile: HardwareProfile): SlurmReach {
  if (profile.reach.via !== "slurm") fail("PROFILE_INVALID", `profile ${profile.name}: expected reach.via "slurm", received ${JSON.stringify(profile.reach.via)}`);
  return profile.reach;
}

export class SlurmRunner extends DeviceLane {
  declare readonly executor: SlurmExecutor;

  constructor(profile: HardwareProfile, options: SlurmRunnerOptions = {}) {
    const reach = slurmReachOf(profile);
    super(profile, new SlurmExecutor(reach, options), { builds: reach.builds, runs: reach.runs, ...options.lane });
  }
}
