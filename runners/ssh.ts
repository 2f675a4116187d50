// The lane (lane.ts) for an SSH host: an SshExecutor under the profile's build slots, timing slots and
// timing policy.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { DeviceLane, reachOf, type LaneOptions } from "./lane.ts";
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
    super(profile, new SshExecutor(reach, { pool: connections }), { builds: reach.builds, runs: reach.runs, timing: reach.timing, ...options.lane });
  }
}
