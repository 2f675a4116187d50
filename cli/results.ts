// nightshift results <id>: one row per evaluation (variant hash, parameters, status, median), in order.

import type { Command } from "commander";
import { defaultDbPath, openStoreOfCampaign } from "../results/store.ts";

export function registerResults(program: Command): void {
  program
    .command("results")
    .description("list every evaluation of a campaign")
    .argument("<id>", "campaign id (see nightshift list)")
    .option("--db <path>", "result store (default: $NIGHTSHIFT_DB or ./.nightshift/nightshift.db)")
    .option("--json", "print a JSON array")
    .action((id: string, flags: { db?: string; json?: boolean }) => {
      const store = openStoreOfCampaign(flags.db ?? defaultDbPath(), id, "results");
      try {
        const rows = store.evaluations(id).map((e) => ({
          id: e.id,
          device: e.device,
          purpose: e.purpose,
          variantHash: e.variantHash,
          params: e.params,
          status: e.status,
          medianMs: e.medianMs,
          ci95Ms: e.result.status === "ok" ? e.result.stats.ci95Ms : null,
          createdAt: e.createdAt,
        }));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(rows)}\n`);
          return;
        }
        for (const r of rows) {
          const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(",");
          const time = r.medianMs !== null ? `${r.medianMs.toFixed(4)} ms` : "-";
          process.stdout.write(`${String(r.id).padStart(4)}  ${r.device}  ${r.purpose.padEnd(7)}  ${r.variantHash}  ${r.status.padEnd(13)}  ${time.padStart(12)}  ${params}\n`);
        }
      } finally {
        store.close();
      }
    });
}
