// nightshift report <id>: the campaign's report (markdown, convergence plot, dispatch header, JSON).

import type { Command } from "commander";
import { resolve } from "node:path";
import { writeReport } from "../results/report.ts";
import { defaultDbPath, openStoreOfCampaign } from "../results/store.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write a campaign's report files and print their paths")
    .argument("<id>", "campaign id (see nightshift list)")
    .option("--db <path>", "result store (default: $NIGHTSHIFT_DB or ./.nightshift/nightshift.db)")
    .option("--out <dir>", "output folder (default: ./nightshift-report-<id>)")
    .action((id: string, flags: { db?: string; out?: string }) => {
      const store = openStoreOfCampaign(flags.db ?? defaultDbPath(), id, "report");
      try {
        const files = writeReport(store, id, resolve(flags.out ?? `nightshift-report-${id}`));
        for (const path of Object.values(files)) process.stdout.write(`${path}\n`);
      } finally {
        store.close();
      }
    });
}
