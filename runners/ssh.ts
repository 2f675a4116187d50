// SshRunner: the pipeline's build and measure steps on an SSH host, through the device lane (build slots
// overlapping the exclusive timing slot, health tracking, infra faults as infra_error).

import { fail } from "../core/errors.ts";
import type { HardwareProfile, SshReach } from "../hardware-profiles/schema.ts";
import { DeviceLane, type LaneOptions } from "./pool.ts";
import { SshExecutor } from "./ssh-executor.ts";
import type { PoolOptions } from "./ssh/pool.ts";

export interface SshRunnerOptions {
  lane?: Partial<LaneOptions>;
  connections?: Partial<PoolOptions>;
}

export function sshReachOf(profile: HardwareProfile): SshReach {
  if (profile.reach.via !== "ssh") fail("PROFILE_INVALID", `profile ${profile.name}: expected reach.via "ssh", received ${JSON.stringify(profile.reach.via)}`);
  return profile.reach;
}

export class SshRunner extends DeviceLane {
  declare readonly executor: SshExecutor;

  constructor(profile: HardwareProfile, options: SshRunnerOptions = {}) {
    const reach = sshReachOf(profile);
    // Enough connections that every build and timing slot has one, plus one for transfers and control.
    const connections = { maxConnections: Math.max(2, Math.ceil((reach.builds + reach.runs) / 4) + 1), ...options.connections };
    super(profile, new SshExecutor(reach, { pool: connections }), { builds: reach.builds, runs: reach.runs, ...options.lane });
  }
}
