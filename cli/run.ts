// nightshift run <spec-dir>: a new campaign (always; a finished one is never reopened by `run`).

import type { Command } from "commander";
import { fail } from "../core/errors.ts";
import { DEFAULT_BUDGET, startCampaign, type CampaignOptions, type CampaignOutcome } from "../graphs/run-campaign.ts";
import { describeStop } from "../graphs/campaign-outcome.ts";
import { addModelOptions, type ModelOptions } from "../llm/config.ts";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";
import { campaignPolicies, modelOptionsOf, type CampaignPolicies } from "./policies.ts";
import { createProgress } from "./progress.ts";

export function integerOption(value: string | undefined, option: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || n < min) fail("USAGE", `${option}: expected an integer >= ${min}, received ${JSON.stringify(value)}`);
  return n;
}

export function numberOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) fail("USAGE", `${option}: expected a positive number, received ${JSON.stringify(value)}`);
  return n;
}

/** --json: exactly one JSON object on stdout; otherwise a short human summary. */
export function printOutcome(outcome: CampaignOutcome, json: boolean): void {
  if (json) {
    // `verified` and the per-device entries are always there, so a replayed best never reads as a verified one.
    const { campaignId, evaluations, stopReason, baseline, best, speedup, verified, devices } = outcome;
    process.stdout.write(`${JSON.stringify({ campaignId, evaluations, stopReason, baseline, best, speedup, verified, devices })}\n`);
    return;
  }
  process.stdout.write(`campaign ${outcome.campaignId} (${outcome.spec}): ${outcome.state}\n`);
  for (const d of outcome.devices) {
    process.stdout.write(`  ${d.device}: ${d.evaluations} evaluations (+${d.confirms} confirmation runs), stopped: ${describeStop(d.stopReason)}\n`);
    if (d.baseline) process.stdout.write(`    baseline ${d.baseline.medianMs.toFixed(4)} ms  ${JSON.stringify(d.baseline.params)}\n`);
    if (d.best) {
      process.stdout.write(`    best     ${d.best.medianMs.toFixed(4)} ms (95% CI ${d.best.ci[0].toFixed(4)}..${d.best.ci[1].toFixed(4)})  ${JSON.stringify(d.best.params)}\n`);
    }
    if (d.speedup !== null) {
      const range = d.speedupCi ? ` (95% CI ${d.speedupCi[0].toFixed(2)}x..${d.speedupCi[1].toFixed(2)}x)` : "";
      process.stdout.write(`    speedup  ${d.speedup.toFixed(2)}x${range} over the baseline (${d.verified ? "verified on this run" : "replayed from recorded data, not verified here"})\n`);
    }
    const failures = Object.entries(d.failures);
    if (failures.length > 0) process.stdout.write(`    failures ${failures.map(([k, n]) => `${k} ${n}`).join(", ")}\n`);
    if (d.diagnosis) process.stdout.write(`    diagnosis: ${d.diagnosis}\n`);
  }
  if (outcome.state !== "finished") process.stdout.write(`  not finished: nightshift resume ${outcome.campaignId}\n`);
}

/** Ctrl-C stops after the current step and leaves the campaign resumable; a second one exits at once. */
export function interruptible(): AbortController {
  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write("\nnightshift: stopping after the current step (Ctrl-C again to quit now; resume continues the campaign)\n");
    controller.abort();
    process.once("SIGINT", () => process.exit(130));
  });
  return controller;
}

/**
 * Drives one campaign from the command line: live progress, Ctrl-C to stop it resumably, the outcome
 * printed, and the model accounting flushed however it ends. `run` and `resume` share it so that a
 * resumed campaign behaves exactly like a fresh one.
 */
export async function runFromCli(
  policies: CampaignPolicies,
  flags: { db?: string; json?: boolean },
  campaign: (options: CampaignOptions) => Promise<CampaignOutcome>,
): Promise<void> {
  const progress = createProgress();
  const controller = interruptible();
  try {
    const outcome = await campaign({ ...(flags.db ? { dbPath: flags.db } : {}), ...policies.parts, onEvent: progress.onEvent, signal: controller.signal });
    progress.finish();
    printOutcome(outcome, flags.json === true);
    if (controller.signal.aborted) process.exitCode = 130;
  } finally {
    progress.finish();
    await policies.llm.flush();
  }
}

interface RunFlags extends ModelOptions {
  prior?: string[];
  device: string;
  budget: string;
  strategy: string;
  seed?: string;
  db?: string;
  json?: boolean;
  timeBudget?: string;
  batch?: string;
  stallAfter?: string;
}

export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .description("start a new tuning campaign: measure the baseline, then search until a stop rule fires")
    .argument("<spec>", "kernel spec folder (holding kernel.json), or a T1 tuning-space file for replay devices")
    .option("--device <list>", "devices, comma-separated: local, a shipped profile name, a profile .json file or replay:<file>", "local")
    .option("--budget <n>", "evaluations per device, the baseline included", String(DEFAULT_BUDGET))
    .option("--strategy <name>", "search strategy", DEFAULT_STRATEGY)
    .option("--seed <n>", "seed of the search strategy")
    .option("--db <path>", "result store (default: $NIGHTSHIFT_DB or ./.nightshift/nightshift.db)")
    .option("--json", "print exactly one JSON object with the outcome on stdout")
    .option("--time-budget <seconds>", "stop after this much running time")
    .option("--batch <n>", "variants per round and device (default: the device's parallel build slots)")
    .option("--stall-after <n>", "stop a device after this many evaluations without an accepted improvement")
    .option("--prior <files...>", "tuning data of the same kernel on other devices (Kernel Tuner cache, KTT or T4 files) to start from");
  addModelOptions(command).action(async (specDir: string, flags: RunFlags) => {
    const modelOptions = modelOptionsOf(flags);
    const policies = campaignPolicies(modelOptions, flags.strategy);
    await runFromCli(policies, flags, (options) =>
      startCampaign(
        {
          specDir,
          devices: flags.device.split(",").map((d) => d.trim()).filter(Boolean),
          budget: integerOption(flags.budget, "--budget"),
          strategy: flags.strategy,
          seed: integerOption(flags.seed, "--seed", 0),
          timeBudgetSeconds: numberOption(flags.timeBudget, "--time-budget"),
          batchSize: integerOption(flags.batch, "--batch"),
          ...(flags.stallAfter !== undefined ? { tuning: { stallAfter: integerOption(flags.stallAfter, "--stall-after")! } } : {}),
          ...(flags.prior ? { priorFiles: flags.prior } : {}),
          ...(policies.llm.usesModels ? { models: policies.llm.models, modelOptions: { ...modelOptions } } : {}),
        },
        options,
      ),
    );
  });
}
