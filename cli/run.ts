// nightshift run <spec-dir>: a new campaign (always; a finished one is never reopened by `run`).

import { resolve } from "node:path";
import type { Command } from "commander";
import type { ProofPolicy } from "../agents/proof-gate.ts";
import { describeValue, fail } from "../core/errors.ts";
import { describeStop } from "../graphs/campaign-outcome.ts";
import { checkCampaignRequest, DEFAULT_BUDGET, startCampaign, type CampaignOptions, type CampaignOutcome, type CampaignRequest } from "../graphs/run-campaign.ts";
import { addModelOptions, type ModelOptions } from "../llm/config.ts";
import { storableModelOptions } from "../llm/stored-options.ts";
import { describeHeadline } from "../results/headline.ts";
import type { ProblemSize } from "../specs/schema.ts";
import { sizeLabel } from "../specs/tune-size.ts";
import { METRICS, parseConstraint } from "../strategies/objectives.ts";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";
import { DB_OPTION } from "./campaign-store.ts";
import { printDispatchFiles, writeDispatchOf } from "./dispatch.ts";
import { parseSizes } from "./parse-sizes.ts";
import { campaignPolicies, modelOptionsOf, type CampaignPolicies } from "./policies.ts";
import { createProgress } from "./progress.ts";

export function integerOption(value: string | undefined, option: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  // Beyond 2^53 an integer is no longer exact (and no budget or seed needs one that large).
  if (!/^-?\d+$/.test(value.trim()) || n < min) fail("USAGE", `${option}: expected an integer >= ${min}, received ${describeValue(value)}`);
  if (!Number.isSafeInteger(n)) fail("USAGE", `${option}: expected an integer from ${min} to ${Number.MAX_SAFE_INTEGER}, received ${describeValue(value)}`);
  return n;
}

export function numberOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) fail("USAGE", `${option}: expected a positive number, received ${describeValue(value)}`);
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
    for (const line of describeHeadline(d.headline)) process.stdout.write(`    ${line}\n`);
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
  constraint?: string[];
  unsandboxed?: boolean;
  requireProof?: boolean;
  proofs: boolean;
  sizes?: string[];
}

function proofPolicy(flags: RunFlags): ProofPolicy {
  if (flags.requireProof && !flags.proofs) fail("USAGE", "--require-proof: expected it without --no-proofs, received both");
  return flags.requireProof ? "required" : flags.proofs ? "on" : "off";
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
    .option(...DB_OPTION)
    .option("--json", "print exactly one JSON object with the outcome on stdout")
    .option("--time-budget <seconds>", "stop after this much running time")
    .option("--batch <n>", "variants per round and device (default: the device's parallel build slots)")
    .option("--stall-after <n>", "stop a device after this many evaluations without an accepted improvement")
    .option("--prior <files...>", "tuning data of the same kernel on other devices (Kernel Tuner cache, KTT or T4 files) to start from")
    .option("--unsandboxed", "run untrusted kernels without the sandbox on a device that cannot make one (every result then says unsandboxed)")
    .option("--require-proof", "accept only variants proved equivalent to the reference (by default an unproven variant is accepted as tested, a refuted one never)")
    .option("--no-proofs", "do not prove would-be incumbents (evidence then stops at tested or sanitized)")
    .option("--constraint <bounds...>", `minimise time among the variants within bounds METRIC<=N (METRIC: ${Object.keys(METRICS).join(", ")}); the report shows the Pareto front`)
    .option("--sizes <sizes...>", "tune at each size in turn, one campaign each (NAME=INT[,NAME=INT...], e.g. N=1024 N=4096), then write the per-size dispatch files (with --json: one line per campaign, then one for the group)");
  addModelOptions(command).action(async (specDir: string, flags: RunFlags) => {
    const sizes = flags.sizes ? parseSizes(flags.sizes) : null;
    const modelOptions = modelOptionsOf(flags);
    const policies = campaignPolicies(modelOptions, flags.strategy);
    const request = (): CampaignRequest => ({
      specDir,
      devices: flags.device.split(",").map((d) => d.trim()).filter(Boolean),
      budget: integerOption(flags.budget, "--budget"),
      strategy: flags.strategy,
      seed: integerOption(flags.seed, "--seed", 0),
      timeBudgetSeconds: numberOption(flags.timeBudget, "--time-budget"),
      batchSize: integerOption(flags.batch, "--batch"),
      ...(flags.stallAfter !== undefined ? { tuning: { stallAfter: integerOption(flags.stallAfter, "--stall-after")! } } : {}),
      ...(flags.prior ? { priorFiles: flags.prior } : {}),
      ...(flags.constraint ? { constraints: flags.constraint.map(parseConstraint) } : {}),
      ...(flags.unsandboxed ? { unsandboxed: true } : {}),
      proofs: proofPolicy(flags),
      ...(policies.llm.usesModels ? { models: policies.llm.models, modelOptions: storableModelOptions(modelOptions) } : {}),
    });
    if (sizes !== null) return runSizes(request(), sizes, () => campaignPolicies(modelOptions, flags.strategy), flags);
    await runFromCli(policies, flags, (options) => startCampaign(request(), options));
  });
}

/**
 * `run --sizes`: one campaign per size, one after another with the same options, then the group's per-size
 * dispatch. A campaign that does not finish (Ctrl-C, a device down) stops the group there, resumable, and
 * the dispatch covers the campaigns that ran.
 */
async function runSizes(request: CampaignRequest, sizes: readonly ProblemSize[], policiesFor: () => CampaignPolicies, flags: RunFlags): Promise<void> {
  // Every size is checked before the first campaign runs: a typo in the last must not surface hours later.
  for (const size of sizes) await checkCampaignRequest({ ...request, tuneSize: size });
  const ids: string[] = [];
  for (const [i, size] of sizes.entries()) {
    process.stderr.write(`nightshift: size ${sizeLabel(size)} (${i + 1} of ${sizes.length})\n`);
    let outcome: CampaignOutcome | undefined;
    // Fresh policies per campaign: model policies are bound to their campaign's id and budget.
    await runFromCli(policiesFor(), flags, async (options) => {
      outcome = await startCampaign({ ...request, tuneSize: size, ...(ids[0] !== undefined ? { sizeGroup: ids[0] } : {}) }, options);
      return outcome;
    });
    const done = outcome as CampaignOutcome | undefined;
    if (done === undefined) break;
    ids.push(done.campaignId);
    if (done.state !== "finished") {
      const left = sizes.slice(i + 1).map((s) => sizeLabel(s));
      if (left.length > 0) process.stderr.write(`nightshift: stopped before ${left.join(", ")}: campaign ${done.campaignId} did not finish\n`);
      break;
    }
  }
  const group = ids[0];
  if (group === undefined) return;
  // `run` writes no report folder, so the dispatch gets its own, named after the group.
  const files = writeDispatchOf(flags.db, ids, undefined, resolve(`nightshift-dispatch-${group}`));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ sizeGroup: group, campaigns: ids, dispatch: { header: files.headerPath, json: files.jsonPath, sources: files.sourcePaths } })}\n`);
    return;
  }
  process.stdout.write(`dispatch of size group ${group} (${ids.length} campaigns; again with: nightshift dispatch --group ${group}):\n`);
  printDispatchFiles(files);
}
