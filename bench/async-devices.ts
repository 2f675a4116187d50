// Devices that do not wait for each other: one campaign, two devices, one of which answers at once (a replay
// of recorded measurements) while the other answers each batch only after a queue wait (a stand-in for a
// Slurm queue: the same recorded data behind a fixed delay per batch). Prints, per device, when it finished
// and how many rounds it ran, and what the fast device would have waited for with a barrier between rounds
// (every round as long as the slow device's).
//
//   npx tsx bench/async-devices.ts [--budget N] [--batch N] [--queue-ms MS] [--out FILE]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import type { CampaignEvent } from "../agents/context.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { createRunner } from "../runners/factory.ts";
import type { Runner } from "../runners/types.ts";

const { values } = parseArgs({ options: { budget: { type: "string", default: "40" }, batch: { type: "string", default: "8" }, "queue-ms": { type: "string", default: "2000" }, out: { type: "string" } } });
const budget = Number(values.budget);
const batch = Number(values.batch);
const queueMs = Number(values["queue-ms"]);
const ROOT = join(import.meta.dirname, "..");
const data = join(ROOT, "data", "spaces", "pnpoly", "RTX_3090.json.gz");
const dir = mkdtempSync(join(tmpdir(), "nightshift-async-bench-"));

/** The recorded data behind a queue: every batch waits `queueMs` before it runs. */
function queued(inner: Runner): Runner {
  return {
    device: inner.device,
    async run(variants, options) {
      await sleep(queueMs);
      return inner.run(variants, options);
    },
    close: () => inner.close(),
  };
}

try {
  const devices = ["replay", "queued"].map((name) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ name, kind: "gpu", reach: { via: "replay", file: data } }));
    return file;
  });
  const started = performance.now();
  const stoppedAt = new Map<string, number>();
  const rounds = new Map<string, number>();
  const onEvent = (e: CampaignEvent): void => {
    if (e.type === "round") rounds.set(e.device, e.round);
    if (e.type === "device_stopped") stoppedAt.set(e.device, (performance.now() - started) / 1000);
  };
  const outcome = await startCampaign(
    { specDir: join(ROOT, "data", "spaces", "t1", "pnpoly.json"), devices, budget, batchSize: batch, seed: 1 },
    { dbPath: join(dir, "store.db"), onEvent, runnerFor: (p, o) => (p.name === "queued" ? queued(createRunner(p, o)) : createRunner(p, o)) },
  );
  const total = (performance.now() - started) / 1000;
  const slowRound = stoppedAt.get("queued")! / rounds.get("queued")!;
  const lines = [
    `# Devices that do not wait for each other`,
    "",
    "```",
    `npx tsx bench/async-devices.ts --budget ${budget} --batch ${batch} --queue-ms ${queueMs}`,
    "```",
    "",
    `One campaign (pnpoly's T1 spec, ${budget} evaluations per device, batches of ${batch}) on two devices over the recorded RTX 3090 data:`,
    `\`replay\` answers at once, \`queued\` answers every run call (a batch, or one confirmation run of the critic) after a ${(queueMs / 1000).toFixed(1)} s wait (a stand-in for a Slurm queue).`,
    "Each device runs its own rounds on its own thread of the campaign graph.",
    "",
    "| device | evaluations | rounds | finished after (s) |",
    "|---|---:|---:|---:|",
    ...outcome.devices.map((d) => `| ${d.device} | ${d.evaluations} | ${rounds.get(d.device)} | ${stoppedAt.get(d.device)!.toFixed(1)} |`),
    "",
    `The campaign took ${total.toFixed(1)} s. With a barrier between rounds (every device waiting for the slowest before its next round), ` +
      `\`replay\` would have finished no earlier than its ${rounds.get("replay")} rounds x ${slowRound.toFixed(1)} s per \`queued\` round = ${(rounds.get("replay")! * slowRound).toFixed(1)} s.`,
    "",
  ];
  const text = lines.join("\n");
  if (values.out) writeFileSync(values.out, text);
  process.stdout.write(text);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
