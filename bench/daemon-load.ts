// The daemon under load: 200 clients, each streaming a campaign's events and polling its status once a
// second, while replay campaigns run; and what the daemon adds per evaluation over the CLI on the same
// replay campaign. Prints a Markdown report (committed as docs/bench-daemon-load.md).
//
//   npx tsx bench/daemon-load.ts [--clients 200] [--budget 200] [--campaigns 3] [--out FILE]
//
// The daemon runs as its own process (`nightshift serve`), the clients in this one, so the latencies are a
// client's. Per-evaluation times come from the store: the span from the campaign's creation to its last
// committed evaluation, over its evaluations (confirmation runs included), for the CLI (`nightshift run`)
// and for the daemon alone and under load, on the same spec, device, budget and seed.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { DaemonClient } from "../cli/daemon-client.ts";
import { openStore } from "../results/store.ts";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "nightshift.js");
const DATA = join(ROOT, "data", "spaces", "pnpoly", "RTX_3090.json.gz");
const SPEC = "t1/pnpoly.json";
const DEVICE = "replay-RTX_3090";
const SEED = 7;
/** Clients connect evenly over this long. */
const ARRIVAL_MS = 1000;

const { values } = parseArgs({ options: { clients: { type: "string", default: "200" }, budget: { type: "string", default: "200" }, campaigns: { type: "string", default: "3" }, out: { type: "string" } } });
const clients = Number(values.clients);
const budget = Number(values.budget);
const campaigns = Number(values.campaigns);
const dir = mkdtempSync(join(tmpdir(), "nightshift-daemon-load-"));
const env = { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" };

interface Span {
  evaluations: number;
  counted: number;
  ms: number;
}

/** From the campaign's creation to its last committed evaluation, as the store recorded them. */
function span(db: string, id: string): Span {
  const store = openStore(db, { mustExist: true });
  try {
    const evaluations = store.evaluations(id);
    const created = Date.parse(store.getCampaign(id)!.createdAt);
    return { evaluations: evaluations.length, counted: evaluations.filter((e) => e.purpose === "explore" && e.status !== "infra_error").length, ms: Date.parse(evaluations.at(-1)!.createdAt) - created };
  } finally {
    store.close();
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function cliRun(): Promise<Span & { wallMs: number }> {
  const db = join(dir, "cli.db");
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, "run", join(ROOT, "data", "spaces", SPEC), "--device", `replay:${DATA}`, "--budget", String(budget), "--seed", String(SEED), "--db", db, "--json"], { encoding: "utf8", env });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`nightshift run failed: ${run.stderr}`);
  return { ...span(db, JSON.parse(run.stdout.trim()).campaignId), wallMs };
}

async function startDaemon(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", "--db", join(dir, "daemon.db"), "--devices", `replay:${DATA}`, "--spec-root", join(ROOT, "data", "spaces"), "--max-running", String(campaigns), "--rate-limit", "10000000"], { env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  while (!/listening on (\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error("the daemon exited before listening");
    await sleep(50);
  }
  return {
    url: /listening on (\S+)/.exec(out)![1]!,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/**
 * A stream client that only counts events: the clients share this machine's cores with the daemon, so they
 * do as little as a client can (no JSON parsing) to leave the measurement to the daemon.
 */
async function countEvents(url: string, token: string, path: string, signal: AbortSignal, onEvent: () => void): Promise<void> {
  try {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
    // One "data:" line per event: a line that starts with "d".
    let previous = 0x0a;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      for (const byte of chunk) {
        if (previous === 0x0a && byte === 0x64) onEvent();
        previous = byte;
      }
    }
  } catch {
    // aborted at the end
  }
}

async function waitEnded(client: DaemonClient, ids: string[]): Promise<void> {
  for (;;) {
    const rows = await Promise.all(ids.map((id) => client.json<{ state: string }>("GET", `/v1/campaigns/${id}`)));
    if (rows.every((r) => ["finished", "failed", "cancelled"].includes(r.state))) return;
    await sleep(250);
  }
}

async function main(): Promise<void> {
  process.stderr.write(`CLI: nightshift run, budget ${budget}\n`);
  const cli = await cliRun();

  const daemon = await startDaemon();
  const token = (JSON.parse(readFileSync(join(dir, "daemon.tokens.json"), "utf8")) as { admin: string }).admin;
  const client = new DaemonClient(daemon.url, token);
  const submit = () => client.json<{ id: string }>("POST", "/v1/campaigns", { spec: { path: SPEC }, devices: [DEVICE], budget, seed: SEED });
  try {
    process.stderr.write("daemon: the same campaign alone\n");
    const alone = await submit();
    await waitEnded(client, [alone.id]);
    const quiet = span(join(dir, "daemon.db"), alone.id);

    process.stderr.write(`daemon: ${campaigns} campaigns with ${clients} clients streaming and polling\n`);
    const loaded = await Promise.all(Array.from({ length: campaigns }, submit));
    const ids = loaded.map((c) => c.id);
    /** [when the request was sent, its latency], ms. */
    const latencies: Array<[number, number]> = [];
    const loadStart = performance.now();
    let errors = 0;
    let events = 0;
    const stop = new AbortController();
    const workers = Array.from({ length: clients }, async (_, i) => {
      const id = ids[i % ids.length]!;
      const own = new DaemonClient(daemon.url, token);
      // Clients arrive over the first second, as they would, not all in one millisecond.
      await sleep((i * ARRIVAL_MS) / clients);
      const stream = countEvents(daemon.url, token, `/v1/campaigns/${id}/events`, stop.signal, () => events++);
      while (!stop.signal.aborted) {
        const t = performance.now();
        try {
          await own.json("GET", `/v1/campaigns/${id}`);
          latencies.push([t - loadStart, performance.now() - t]);
        } catch {
          errors++;
        }
        await sleep(1000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
      await stream;
    });
    await waitEnded(client, ids);
    stop.abort();
    await Promise.all(workers);
    const spans = ids.map((id) => span(join(dir, "daemon.db"), id));
    const underLoad = { evaluations: spans.reduce((n, s) => n + s.evaluations, 0), ms: Math.max(...spans.map((s) => s.ms)) };
    const sorted = latencies.map(([, l]) => l).sort((a, b) => a - b);
    const steady = latencies.filter(([t]) => t >= 2 * ARRIVAL_MS).map(([, l]) => l).sort((a, b) => a - b);

    const perEval = (s: { ms: number; evaluations: number }) => s.ms / s.evaluations;
    const lines = [
      "# The daemon under load",
      "",
      `\`npx tsx bench/daemon-load.ts --clients ${clients} --budget ${budget} --campaigns ${campaigns}\` on ${new Date().toISOString().slice(0, 10)},`,
      `a ${(await import("node:os")).availableParallelism()}-core machine shared with other jobs (load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end).`,
      "",
      "## Status requests while campaigns run",
      "",
      `${clients} clients, arriving evenly over the first second, each holding the event stream of one of ${campaigns} replay campaigns (pnpoly, recorded RTX 3090, budget ${budget}) open and polling that campaign's status (GET /v1/campaigns/:id) once a second, until the campaigns finished. Clients and daemon share the machine's cores.`,
      "",
      "| quantity | value |",
      "|---|---|",
      `| status requests answered | ${latencies.length} (${errors} failed) |`,
      `| latency p50, all requests | ${quantile(sorted, 0.5).toFixed(1)} ms |`,
      `| latency p99, all requests | ${quantile(sorted, 0.99).toFixed(1)} ms |`,
      `| latency max, all requests | ${(sorted.at(-1) ?? NaN).toFixed(1)} ms |`,
      `| latency p50 once every client is connected (from ${(2 * ARRIVAL_MS) / 1000} s on, ${steady.length} requests) | ${quantile(steady, 0.5).toFixed(1)} ms |`,
      `| latency p99 once every client is connected | ${quantile(steady, 0.99).toFixed(1)} ms |`,
      `| events delivered to the ${clients} streams | ${events} |`,
      "",
      "## Per evaluation: the daemon against the CLI, same replay campaign",
      "",
      "Time per evaluation = (last committed evaluation - campaign created) / evaluations (confirmation runs included), from the store.",
      "",
      "| run | evaluations | span | per evaluation | ratio to the CLI |",
      "|---|---|---|---|---|",
      `| CLI (\`nightshift run\`; the process took ${(cli.wallMs / 1000).toFixed(1)} s in all) | ${cli.evaluations} | ${(cli.ms / 1000).toFixed(2)} s | ${perEval(cli).toFixed(1)} ms | 1 |`,
      `| daemon, the campaign alone | ${quiet.evaluations} | ${(quiet.ms / 1000).toFixed(2)} s | ${perEval(quiet).toFixed(1)} ms | ${(perEval(quiet) / perEval(cli)).toFixed(2)} |`,
      `| daemon, ${campaigns} campaigns at once with ${clients} clients (all evaluations over the longest span) | ${underLoad.evaluations} | ${(underLoad.ms / 1000).toFixed(2)} s | ${perEval(underLoad).toFixed(1)} ms | ${(perEval(underLoad) / perEval(cli)).toFixed(2)} |`,
      "",
      "The daemon runs campaigns through the same resumeCampaign as the CLI, on its main thread; HTTP is served by a worker thread that reads the store itself. What the daemon adds per evaluation is forwarding each event to that worker and one yield per replay batch; under load, the campaigns also share the cores with the HTTP worker and the clients.",
      "",
    ];
    const text = lines.join("\n");
    process.stdout.write(text);
    if (values.out) writeFileSync(values.out, text);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
