// One place that turns a hardware profile into the runner that reaches it. Each way of reaching a
// device (reach.via) gets its case here.

import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { LaneOptions } from "./lane.ts";
import { LocalRunner } from "./local.ts";
import { ReplayRunner } from "./replay.ts";
import { SlurmRunner } from "./slurm.ts";
import { SshRunner } from "./ssh.ts";
import type { Runner } from "./types.ts";

export interface RunnerOptions {
  /** The campaign's seed; runners that draw (noisy replay) draw from it so a rerun draws the same. */
  seed?: number;
  /** The lane's options for devices reached through one (local, ssh, slurm); the profile gives the rest. */
  lane?: Partial<LaneOptions>;
  /** Run untrusted code unsandboxed where the device cannot sandbox (the user's explicit choice). */
  unsandboxed?: boolean;
}

/** The lane's options with the user's sandbox choice, which travels to the protocol. */
function laneOptions(options: RunnerOptions): { lane?: Partial<LaneOptions> } {
  if (!options.unsandboxed) return options.lane ? { lane: options.lane } : {};
  return { lane: { ...options.lane, measure: { ...options.lane?.measure, unsandboxed: true } } };
}

export function createRunner(profile: HardwareProfile, options: RunnerOptions = {}): Runner {
  const via = profile.reach.via;
  switch (via) {
    case "local":
      return new LocalRunner(profile, laneOptions(options));
    case "replay":
      return new ReplayRunner(profile, options.seed !== undefined ? { seed: options.seed } : {});
    case "ssh":
      return new SshRunner(profile, laneOptions(options));
    case "slurm":
      return new SlurmRunner(profile, laneOptions(options));
    default:
      return fail("PROFILE_INVALID", `reach.via: expected one of local, ssh, slurm, replay, received ${JSON.stringify(via satisfies never)}`);
  }
}
