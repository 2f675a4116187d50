// The devices this daemon offers, as given to `serve --devices` (profile files, shipped names, local,
// replay:<file>): loaded once at start, named by their profile names in requests. Each has its shared lane
// (once a campaign used it) and the last health check, the same facts `nightshift devices check` prints.

import { describeValue, fail } from "../core/errors.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { LaneStatus } from "../runners/lane.ts";
import { HttpError } from "./http-error.ts";
import type { SharedDevices } from "./shared-devices.ts";

/** `nightshift devices check` for one device (cli/devices.ts checkDevice), handed in by whoever starts the daemon. */
export type DeviceCheck = (profile: HardwareProfile) => Promise<object>;

export interface DeviceView {
  name: string;
  via: HardwareProfile["reach"]["via"];
  kind: HardwareProfile["kind"];
  model: string | null;
  lane: LaneStatus | null;
  check: { at: string; report: object } | null;
}

export class DeviceRegistry {
  private readonly checks = new Map<string, { at: string; report: object }>();

  private constructor(
    private readonly profiles: Map<string, { profile: HardwareProfile; arg: string }>,
    readonly shared: SharedDevices,
    private readonly checkDevice: DeviceCheck,
  ) {}

  /** Loads every device argument; a device that does not load stops the daemon before it listens. */
  static async load(args: readonly string[], shared: SharedDevices, checkDevice: DeviceCheck): Promise<DeviceRegistry> {
    const profiles = new Map<string, { profile: HardwareProfile; arg: string }>();
    for (const arg of args) {
      const profile = await loadProfile(arg);
      if (profiles.has(profile.name)) fail("PROFILE_INVALID", `--devices: expected distinct device names, received "${profile.name}" twice`);
      profiles.set(profile.name, { profile, arg });
    }
    return new DeviceRegistry(profiles, shared, checkDevice);
  }

  names(): string[] {
    return [...this.profiles.keys()];
  }

  /** The argument that loads the device again (what the campaign records for a resume). */
  argOf(name: string, field: string): string {
    return this.entry(name, field).arg;
  }

  profileOf(name: string, field: string): HardwareProfile {
    return this.entry(name, field).profile;
  }

  views(): DeviceView[] {
    return [...this.profiles.values()].map(({ profile }) => ({
      name: profile.name,
      via: profile.reach.via,
      kind: profile.kind,
      model: profile.gpu?.model ?? profile.cpu?.model ?? null,
      lane: this.shared.status(profile.name),
      check: this.checks.get(profile.name) ?? null,
    }));
  }

  /** Runs the health check on one device or all, keeps the reports for GET /v1/devices, and returns them. */
  async check(name: string | undefined): Promise<Array<{ device: string; at: string; report: object }>> {
    const targets = name === undefined ? [...this.profiles.values()].map((e) => e.profile) : [this.profileOf(name, "device")];
    return Promise.all(
      targets.map(async (profile) => {
        const entry = { at: new Date().toISOString(), report: await this.checkDevice(profile) };
        this.checks.set(profile.name, entry);
        return { device: profile.name, ...entry };
      }),
    );
  }

  private entry(name: string, field: string): { profile: HardwareProfile; arg: string } {
    const entry = this.profiles.get(name);
    if (!entry) throw new HttpError(400, "REQUEST_INVALID", field, `one of this daemon's devices (${this.names().join(", ")})`, describeValue(name));
    return entry;
  }
}
