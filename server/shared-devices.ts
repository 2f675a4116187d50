// One lane per real device for all of the daemon's campaigns (runners/lane.ts): its build slots and its one
// timing slot are shared, so two campaigns never time on one device at once, and each campaign's batches
// carry its share tag, so the lane serves waiting campaigns fairly by priority. A campaign gets a view of the
// lane whose close() leaves the lane to the others. Replay devices are not shared: a replay runner answers
// from recorded data on a simulated clock that belongs to one campaign.

import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { createRunner, type RunnerOptions } from "../runners/factory.ts";
import { DeviceLane, type LaneStatus, type TimingWindow } from "../runners/lane.ts";
import type { Runner, ShareTag } from "../runners/types.ts";

export class SharedDevices {
  private readonly lanes = new Map<string, DeviceLane>();
  private closed = false;

  constructor(private readonly onTimed: (window: TimingWindow) => void) {}

  /** The runner a campaign uses for `profile`, working for `share`'s owner. */
  runnerFor(profile: HardwareProfile, options: RunnerOptions, share: ShareTag): Runner {
    if (profile.reach.via === "replay") return yieldingEachBatch(createRunner(profile, options));
    const lane = this.laneOf(profile);
    return {
      device: profile,
      run: (batch, runOptions = {}) => lane.run(batch, { ...runOptions, share }),
      close: async () => {},
    };
  }

  statuses(): LaneStatus[] {
    return [...this.lanes.values()].map((lane) => lane.status());
  }

  status(device: string): LaneStatus | null {
    return this.lanes.get(device)?.status() ?? null;
  }

  /** Stops everything still running on every device (the daemon is going down). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.lanes.values()].map((lane) => lane.close()));
  }

  private laneOf(profile: HardwareProfile): DeviceLane {
    const existing = this.lanes.get(profile.name);
    if (existing) return existing;
    if (this.closed) fail("INTERNAL", `shared devices: expected a lane asked for before close(), received a request for ${profile.name} after it`);
    const runner = createRunner(profile, { lane: { stopKillsDeviceWork: false, onTimed: this.onTimed } });
    if (!(runner instanceof DeviceLane)) fail("INTERNAL", `shared devices: expected a lane for ${profile.name} (${profile.reach.via}), received another runner`);
    this.lanes.set(profile.name, runner);
    return runner;
  }
}

/**
 * A replay answers without any I/O, so a campaign of replays never gives the event loop a turn: every HTTP
 * client (and every other campaign) would wait until it ends. One yield per batch is enough.
 */
function yieldingEachBatch(runner: Runner): Runner {
  const recordedCostMs = runner.recordedCostMs?.bind(runner);
  return {
    device: runner.device,
    run: async (batch, options) => {
      await new Promise((resolve) => setImmediate(resolve));
      return runner.run(batch, options);
    },
    close: () => runner.close(),
    ...(recordedCostMs ? { recordedCostMs } : {}),
  };
}
