// nightshift results <id>: one row per evaluation (variant hash, parameters, status, median), in order.

import type { Command } from "commander";
import { evaluationRow, type EvaluationRow } from "../results/evaluation-rows.ts";
import { campaignHeadlines, describeHeadline, type Headline } from "../results/headline.ts";
import type { CampaignDetail } from "../server/campaign-reader.ts";
import { campaignCommand, withCampaignStore } from "./campaign-store.ts";
import { addServerOptions, DaemonClient, type ServerFlags } from "./daemon-client.ts";

const PAGE = 5000;

export function registerResults(program: Command): void {
  const command = campaignCommand(program, "results", "list every evaluation of a campaign (on a daemon with --server)").option("--json", "print one JSON object: the headline per device and every evaluation");
  addServerOptions(command, false).action(async (id: string, flags: ServerFlags & { db?: string; json?: boolean }) => {
    if (flags.server !== undefined) {
      const client = DaemonClient.fromFlags(flags);
      const rows: EvaluationRow[] = [];
      // Page by evaluation id until a page comes back short.
      for (;;) {
        const page = await client.json<EvaluationRow[]>("GET", `/v1/campaigns/${encodeURIComponent(id)}/evaluations?limit=${PAGE}&after=${rows.at(-1)?.id ?? 0}`);
        rows.push(...page);
        if (page.length < PAGE) break;
      }
      // The daemon's detail carries the same headline the local store gives, so both print alike.
      const detail = await client.json<CampaignDetail>("GET", `/v1/campaigns/${encodeURIComponent(id)}`);
      printEvaluationRows(rows, flags.json === true, { campaignId: id, headlines: detail.perDevice.map((d) => d.headline) });
      return;
    }
    withCampaignStore(flags.db, id, "results", (store) => {
      const devices = store.getCampaign(id)?.config.devices ?? [];
      printEvaluationRows(store.evaluations(id).map(evaluationRow), flags.json === true, { campaignId: id, headlines: campaignHeadlines(store, id, devices) });
    });
  });
}

/**
 * The rows as JSON, or one aligned line each (shared with `results --server`). With the campaign's headline
 * the JSON is {campaignId, headline, evaluations} and the text starts with the headline's lines per device,
 * the figures `run` and the report show.
 */
export function printEvaluationRows(rows: readonly EvaluationRow[], json: boolean, summary?: { campaignId: string; headlines: readonly Headline[] }): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary ? { campaignId: summary.campaignId, headline: summary.headlines, evaluations: rows } : rows)}\n`);
    return;
  }
  for (const h of summary?.headlines ?? []) for (const line of describeHeadline(h)) process.stdout.write(`# ${h.device}: ${line}\n`);
  for (const r of rows) {
    const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(",");
    const time = r.medianMs !== null ? `${r.medianMs.toFixed(4)} ms` : "-";
    process.stdout.write(`${String(r.id).padStart(4)}  ${r.device}  ${r.purpose.padEnd(7)}  ${r.variantHash}  ${r.status.padEnd(13)}  ${time.padStart(12)}  ${params}\n`);
  }
}
