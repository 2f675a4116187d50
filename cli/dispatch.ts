// nightshift dispatch <id...> | --group <id>: the per-size dispatch header and JSON of campaigns that tuned one
// kernel at several sizes (what `run --sizes` writes at its end, again, or for campaigns chosen by hand).

import { resolve } from "node:path";
import type { Command } from "commander";
import { fail } from "../core/errors.ts";
import { sizeGroup, writeCampaignsDispatch } from "../results/dispatch-campaigns.ts";
import type { DispatchFiles } from "../results/dispatch.ts";
import { defaultDbPath, openStoreOfCampaign } from "../results/store.ts";
import { DB_OPTION } from "./campaign-store.ts";

/** Writes the dispatch of `ids` (or of the group of `group`) from the store at `db`. */
export function writeDispatchOf(db: string | undefined, ids: readonly string[], group: string | undefined, out: string): DispatchFiles {
  const first = group ?? ids[0];
  if (first === undefined) fail("USAGE", "dispatch: expected campaign ids or --group <id>, received neither");
  const store = openStoreOfCampaign(db ?? defaultDbPath(), first, "dispatch");
  try {
    return writeCampaignsDispatch(store, group !== undefined ? sizeGroup(store, group) : ids, out);
  } finally {
    store.close();
  }
}

export function printDispatchFiles(files: DispatchFiles): void {
  for (const path of [files.headerPath, files.jsonPath, ...files.sourcePaths]) process.stdout.write(`${path}\n`);
}

export function registerDispatch(program: Command): void {
  program
    .command("dispatch")
    .description("write the per-device, per-size dispatch header and JSON of campaigns of one spec at different sizes, and print their paths")
    .argument("[ids...]", "campaign ids (see nightshift list)")
    .option("--group <id>", "every campaign of the `run --sizes` group this campaign belongs to")
    .option("--out <dir>", "output folder (default: ./nightshift-dispatch-<first id>)")
    .option(...DB_OPTION)
    .action((ids: string[], flags: { group?: string; out?: string; db?: string }) => {
      if (flags.group !== undefined && ids.length > 0) fail("USAGE", `dispatch: expected campaign ids or --group <id>, received both (${ids.join(", ")} and --group ${flags.group})`);
      // An empty --out would resolve to the current folder and scatter the files there.
      if (flags.out !== undefined && flags.out.trim() === "") fail("USAGE", `--out: expected a folder path, received ${JSON.stringify(flags.out)} (an empty path)`);
      const first = flags.group ?? ids[0];
      printDispatchFiles(writeDispatchOf(flags.db, ids, flags.group, resolve(flags.out ?? `nightshift-dispatch-${first ?? ""}`)));
    });
}
