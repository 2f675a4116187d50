// nightshift export <id> --format kernel-tuner|t4: a campaign's measurements as files other tuners read
// (Kernel Tuner's simulation mode and KTdashboard load the cache; T4 is the community's common format).
// One file per device; the spec's parameters give the key order and values when the spec is still readable.

import { join, resolve } from "node:path";
import type { Command } from "commander";
import { expectedReceived, fail, isNightshiftError } from "../core/errors.ts";
import { kernelTunerCache } from "../results/kernel-tuner-export.ts";
import { makeOutDir, writeOutFile } from "../results/out-dir.ts";
import { t4Export } from "../results/t4-export.ts";
import type { Store } from "../results/types.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { loadSpecOrSpace } from "../spaces/space-spec.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import { campaignCommand, withCampaignStore } from "./campaign-store.ts";

const FORMATS = ["kernel-tuner", "t4"] as const;
type Format = (typeof FORMATS)[number];

/** The spec's parameters as they are now, or undefined when its folder moved or no longer validates (the values seen are used). */
function specParameters(store: Store, id: string): readonly SpaceParameter[] | undefined {
  try {
    return spaceFromSpec(loadSpecOrSpace(store.getCampaign(id)!.config.specDir, store.campaignProfiles(id))).parameters;
  } catch (error) {
    if (isNightshiftError(error)) return undefined;
    throw error;
  }
}

export function registerExport(program: Command): void {
  campaignCommand(program, "export", "write a campaign's measurements as a Kernel Tuner cache or a T4 file, one per device")
    .requiredOption("--format <format>", `${FORMATS.join(" or ")}`)
    .option("--device <name>", "only this device (default: every device of the campaign)")
    .option("--out <dir>", "output folder (default: ./nightshift-export-<id>)")
    .action((id: string, flags: { format: string; device?: string; out?: string; db?: string }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) fail("USAGE", expectedReceived("--format", FORMATS.join(" or "), flags.format));
      if (flags.out !== undefined && flags.out.trim() === "") fail("USAGE", expectedReceived("--out", "a folder path", flags.out));
      const format = flags.format as Format;
      withCampaignStore(flags.db, id, "export", (store) => {
        const devices = flags.device ? [flags.device] : store.getCampaign(id)!.config.devices;
        const parameters = specParameters(store, id);
        const out = resolve(flags.out ?? `nightshift-export-${id}`);
        makeOutDir(out);
        for (const device of devices) {
          const exported =
            format === "t4"
              ? t4Export(store, id, device, parameters)
              : (({ cache, skipped }) => ({ document: cache, skipped }))(kernelTunerCache(store, id, device, parameters ? { parameters } : {}));
          const path = join(out, `${device.replace(/[^A-Za-z0-9_.-]/g, "_")}${format === "t4" ? ".t4.json" : ".json"}`);
          writeOutFile(out, path, `${JSON.stringify(exported.document)}\n`);
          process.stdout.write(`${path}${exported.skipped > 0 ? `  (${exported.skipped} evaluations not exported: model rewrites or infrastructure errors)` : ""}\n`);
        }
      });
    });
}
