// nightshift submit <spec> --server URL: a campaign for a daemon. The spec is a path on the daemon's spec
// roots, or with --upload a local spec folder or T1 file sent as a tarball. With --wait it follows the
// campaign's events until it ends and exits with its verdict: 0 finished with an accepted best variant on
// every device, 1 finished without one somewhere (or failed), 3 cancelled or paused before it finished.

import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Command } from "commander";
import { create } from "tar";
import { describeValue, fail } from "../core/errors.ts";
import { addServerOptions, DaemonClient, type ServerFlags } from "./daemon-client.ts";
import { integerOption, numberOption } from "./run.ts";

interface SubmitFlags extends ServerFlags {
  upload?: boolean;
  device: string;
  budget?: string;
  strategy?: string;
  seed?: string;
  timeBudget?: string;
  batch?: string;
  stallAfter?: string;
  prior?: string[];
  model?: string;
  priority?: string;
  wait?: boolean;
  json?: boolean;
}

interface Row {
  id: string;
  state: string;
  reason: string | null;
  priority: number;
  progress: Array<{ device: string; explored: number; budget: number }>;
}

interface Detail extends Row {
  perDevice: Array<{ device: string; explored: number; budget: number; best: { medianMs: number; ci95Ms: [number, number]; params: object; verified: boolean } | null; speedup: number | null }>;
}

export const ENDED = ["finished", "failed", "cancelled", "paused"];

async function tarballOf(path: string): Promise<Buffer> {
  const full = resolve(path);
  if (!existsSync(full)) fail("USAGE", `<spec>: expected a local spec folder or T1 file to upload, received ${describeValue(path)}, which does not exist`);
  const folder = statSync(full).isDirectory();
  const chunks: Buffer[] = [];
  const stream = create({ gzip: true, portable: true, cwd: folder ? full : dirname(full) }, [folder ? "." : basename(full)]);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** 0: finished with an accepted best on every device; 1: finished without one somewhere, or failed; 3: stopped before the end. */
export function verdictCode(detail: Detail): number {
  if (detail.state === "finished") return detail.perDevice.every((d) => d.best !== null) ? 0 : 1;
  return detail.state === "failed" ? 1 : 3;
}

function describe(detail: Detail): string {
  const lines = [`campaign ${detail.id}: ${detail.state}${detail.reason ? ` (${detail.reason})` : ""}`];
  for (const d of detail.perDevice) {
    const best = d.best ? `best ${d.best.medianMs.toFixed(4)} ms (95% CI ${d.best.ci95Ms[0].toFixed(4)}..${d.best.ci95Ms[1].toFixed(4)}) ${JSON.stringify(d.best.params)}${d.best.verified ? "" : " (replayed, not verified here)"}` : "no accepted variant";
    lines.push(`  ${d.device}: ${d.explored}/${d.budget} evaluations, ${best}${d.speedup !== null ? `, ${d.speedup.toFixed(2)}x over the baseline` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Follows the campaign's events (printing progress on stderr) until its queue state says it ended. */
async function waitForEnd(client: DaemonClient, id: string): Promise<Detail> {
  const controller = new AbortController();
  const events = client.events(`/v1/campaigns/${id}/events`, controller.signal);
  try {
    // Subscribed first, then asked: a campaign that ended meanwhile is seen either way.
    const first = events.next();
    const now = await client.json<Row>("GET", `/v1/campaigns/${id}`);
    if (!ENDED.includes(now.state)) {
      for (let next = await first; !next.done; next = await events.next()) {
        const e = next.value;
        if (e.type === "evaluation" && e.data.purpose === "explore") process.stderr.write(`${e.data.device}: ${e.data.status}${typeof e.data.medianMs === "number" ? ` ${e.data.medianMs.toFixed(4)} ms` : ""}\n`);
        if (e.type === "state") {
          process.stderr.write(`campaign ${id}: ${e.data.state}${e.data.reason ? ` (${e.data.reason})` : ""}\n`);
          if (ENDED.includes(String(e.data.state))) break;
        }
      }
    }
  } finally {
    controller.abort();
    await events.return(undefined);
  }
  return client.json<Detail>("GET", `/v1/campaigns/${id}`);
}

export function registerSubmit(program: Command): void {
  const command = program
    .command("submit")
    .description("submit a campaign to a nightshift daemon; with --wait, follow it and exit with its verdict")
    .argument("<spec>", "a spec folder or T1 file on the daemon's spec roots, or a local one with --upload")
    .option("--upload", "send the local spec folder or T1 file (replay devices only: uploaded code never runs outside the sandbox)")
    .option("--device <list>", "the daemon's device names, comma-separated (GET /v1/devices lists them)", "local")
    .option("--budget <n>", "evaluations per device, the baseline included")
    .option("--strategy <name>", "search strategy")
    .option("--seed <n>", "seed of the search strategy")
    .option("--time-budget <seconds>", "stop after this much running time")
    .option("--batch <n>", "variants per round and device")
    .option("--stall-after <n>", "stop a device after this many evaluations without an accepted improvement")
    .option("--prior <files...>", "tuning data on the daemon's spec roots to start from")
    .option("--model <provider:model>", "a chat model for the planner, coder and critic (the daemon's keys)")
    .option("--priority <n>", "1 to 10 (default 5): the queue's order and the campaign's share of contended devices")
    .option("--wait", "follow the campaign until it ends; exit 0 with an accepted best on every device, 1 without, 3 if it was stopped")
    .option("--json", "print one JSON object (the campaign; with --wait, its final detail)");
  addServerOptions(command, true).action(async (spec: string, flags: SubmitFlags) => {
    const client = DaemonClient.fromFlags(flags);
    const specField = flags.upload ? { upload: (await client.upload<{ upload: string }>("/v1/specs", await tarballOf(spec))).upload } : { path: spec };
    const body = {
      spec: specField,
      devices: flags.device.split(",").map((d) => d.trim()).filter(Boolean),
      ...(flags.budget !== undefined ? { budget: integerOption(flags.budget, "--budget") } : {}),
      ...(flags.strategy !== undefined ? { strategy: flags.strategy } : {}),
      ...(flags.seed !== undefined ? { seed: integerOption(flags.seed, "--seed", 0) } : {}),
      ...(flags.timeBudget !== undefined ? { timeBudgetSeconds: numberOption(flags.timeBudget, "--time-budget") } : {}),
      ...(flags.batch !== undefined ? { batch: integerOption(flags.batch, "--batch") } : {}),
      ...(flags.stallAfter !== undefined ? { stallAfter: integerOption(flags.stallAfter, "--stall-after") } : {}),
      ...(flags.prior ? { priors: flags.prior } : {}),
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.priority !== undefined ? { priority: integerOption(flags.priority, "--priority") } : {}),
    };
    const row = await client.json<Row>("POST", "/v1/campaigns", body);
    if (!flags.wait) {
      process.stdout.write(flags.json ? `${JSON.stringify(row)}\n` : `campaign ${row.id} ${row.state} on ${client.url} (priority ${row.priority})\n`);
      return;
    }
    process.stderr.write(`campaign ${row.id} ${row.state} on ${client.url}\n`);
    const detail = await waitForEnd(client, row.id);
    process.stdout.write(flags.json ? `${JSON.stringify(detail)}\n` : describe(detail));
    process.exitCode = verdictCode(detail);
  });
}
