// SshRunner: the pipeline's build and measure steps on an SSH host, through the device lane (build slots
// overlapping the exclusive timing slot, health tracking, infra faults as infra_error).

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { DeviceLane, reachOf, type LaneOptions } from "./pool.ts";
import { SshExecutor } from "./ssh-executor.ts";
import type { PoolOptions } from "./ssh/pool.ts";

export interface SshRunnerOptions {
  lane?: Partial<LaneOptions>;
  connections?: Partial<PoolOptions>;
}

export class SshRunner extends DeviceLane {
  declare readonly executor: SshExecutor;

  constructor(profile: HardwareProfile, options: SshRunnerOptions = {}) {
    const reach = reachOf(profile, "ssh");
    // Enough connections that every build and timing slot has one, plus one for transfers and control.
    const connections = { maxConnections: Math.max(2, Math.ceil((reach.builds + reach.runs) / 4) + 1), ...options.connections };
    super(profile, new SshExecutor(reach, { pool: connections }), { builds: reach.builds, runs: reach.runs, ...options.lane });
  }
}
