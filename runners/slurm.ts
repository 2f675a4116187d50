// The lane (lane.ts) for a Slurm partition: every step a batch job (slurm-executor.ts), followed with scontrol
// and cancelled with scancel on timeout or when the campaign stops.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { DeviceLane, reachOf, type LaneOptions } from "./lane.ts";
import { SlurmExecutor, type SlurmExecutorOptions } from "./slurm-executor.ts";

export interface SlurmRunnerOptions extends SlurmExecutorOptions {
  lane?: Partial<LaneOptions>;
}

export class SlurmRunner extends DeviceLane {
  declare readonly executor: SlurmExecutor;

  constructor(profile: HardwareProfile, options: SlurmRunnerOptions = {}) {
    const reach = reachOf(profile, "slurm");
    super(profile, new SlurmExecutor(reach, options), { builds: reach.builds, runs: reach.runs, timing: reach.timing, ...options.lane });
  }
}
