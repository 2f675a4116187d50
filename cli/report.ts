// nightshift report <id>: the campaign's report (markdown, convergence plot, dispatch header, JSON).

import { join, resolve } from "node:path";
import type { Command } from "commander";
import { fail } from "../core/errors.ts";
import { makeOutDir, writeOutFile } from "../results/out-dir.ts";
import { writeReport } from "../results/report.ts";
import { campaignCommand, withCampaignStore } from "./campaign-store.ts";
import { addServerOptions, DaemonClient, type ServerFlags } from "./daemon-client.ts";

/** The report a daemon writes, downloaded file by file into `out`; prints each path. */
async function downloadReport(flags: ServerFlags, id: string, out: string): Promise<void> {
  const client = DaemonClient.fromFlags(flags);
  const { files } = await client.json<{ files: Array<{ name: string; path: string }> }>("GET", `/v1/campaigns/${encodeURIComponent(id)}/report`);
  makeOutDir(out);
  for (const file of files) {
    const path = join(out, file.name);
    writeOutFile(out, path, (await client.bytes(file.path)).toString("utf8"));
    process.stdout.write(`${path}\n`);
  }
}

export function registerReport(program: Command): void {
  const command = campaignCommand(program, "report", "write a campaign's report files and print their paths (a daemon's with --server)").option("--out <dir>", "output folder (default: ./nightshift-report-<id>)");
  addServerOptions(command, false).action(async (id: string, flags: ServerFlags & { db?: string; out?: string }) => {
    // An empty --out would resolve to the current folder and scatter the report there.
    if (flags.out !== undefined && flags.out.trim() === "") fail("USAGE", `--out: expected a folder path, received ${JSON.stringify(flags.out)} (an empty path)`);
    if (flags.server !== undefined) return downloadReport(flags, id, resolve(flags.out ?? `nightshift-report-${id}`));
    return withCampaignStore(flags.db, id, "report", (store) => {
      const files = writeReport(store, id, resolve(flags.out ?? `nightshift-report-${id}`));
      for (const path of Object.values(files)) process.stdout.write(`${path}\n`);
    });
  });
}
