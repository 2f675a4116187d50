// The lane (lane.ts) for this machine: a LocalExecutor under the profile's build slots and timing policy.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { Executor } from "../harness/types.ts";
import { DeviceLane, reachOf, type LaneOptions } from "./lane.ts";
import { LocalExecutor } from "./local-executor.ts";

export interface LocalRunnerOptions {
  /** Where commands run; a LocalExecutor by default (tests wrap it to observe the schedule). */
  executor?: Executor;
  lane?: Partial<LaneOptions>;
}

export class LocalRunner extends DeviceLane {
  constructor(profile: HardwareProfile, options: LocalRunnerOptions = {}) {
    const reach = reachOf(profile, "local");
    super(profile, options.executor ?? new LocalExecutor(), { builds: reach.builds, runs: 1, timing: reach.timing, ...options.lane });
  }
}
