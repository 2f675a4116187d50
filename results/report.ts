// The morning report of a campaign: a Markdown summary a kernel engineer reads first, the convergence
// plot it embeds, and the dispatch header and JSON their build includes. Everything comes from the store.

import { basename, join } from "node:path";
import { fail, isNightshiftError } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import { loadSpecOrSpace } from "../spaces/space-spec.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";
import { specAtTuneSize } from "../specs/tune-size.ts";
import { writeDispatch } from "./dispatch.ts";
import { describeEvidence, evidenceOf, proofsByVariant } from "./evidence.ts";
import { deviceHeadline, type Headline, type HeadlineFigure } from "./headline.ts";
import { librarySection } from "./library-section.ts";
import { makeOutDir, writeOutFile } from "./out-dir.ts";
import { paretoSection } from "./pareto-section.ts";
import { bestVerifiedPerDevice, convergence, failuresByKind, ledgerLessons, modelUsage, topK, type AcceptedVariant, type VerifiedVariant } from "./summary.ts";
import { convergenceSvg, fmtValue } from "./svg-convergence.ts";
import type { CampaignRecord, EvaluationRecord, RefusedProposal, Store } from "./types.ts";

export interface ReportFiles {
  markdownPath: string;
  svgPath: string;
  headerPath: string;
  jsonPath: string;
}

export interface ReportOptions {
  /** The campaign's spec; default: loaded from the campaign's spec folder when it is still readable. */
  spec?: KernelSpec;
  /** Rows of the top-k table per device. */
  topK?: number;
}

export function writeReport(store: Store, campaignId: string, outDir: string, options: ReportOptions = {}): ReportFiles {
  const campaign = store.getCampaign(campaignId);
  if (campaign === null) fail("CAMPAIGN_NOT_FOUND", `report: expected a campaign id in ${JSON.stringify(store.path)}, received ${JSON.stringify(campaignId)}`);
  const profiles = store.campaignProfiles(campaignId);
  const spec = options.spec ?? specIfReadable(campaign.config.specDir, profiles, campaign.config.options?.tuneSize as ProblemSize | undefined);
  const evaluations = store.evaluations(campaignId);
  const costs = modelCostByVariant(store, campaignId);
  const name = campaign.config.specName;
  makeOutDir(outDir);

  const devices = campaign.config.devices;
  const svgFile = `${name}_convergence.svg`;
  const svgPath = join(outDir, svgFile);
  const acceptances = store.incumbents(campaignId);
  const proofs = proofsByVariant(store.proofs(campaignId));
  writeOutFile(outDir, svgPath, convergenceSvg(`${name}: best verified median so far`, devices.map((device) => ({ device, points: convergence(evaluations, device, acceptances) }))));

  const winners = bestVerifiedPerDevice(evaluations, acceptances);
  const libraries = store.libraryResults(campaignId);
  const headlines = new Map(devices.map((device) => [device, deviceHeadline(evaluations, acceptances, device, libraries)]));
  // Every device of the campaign has an entry, so the dispatch files say why one was left out.
  const best = new Map(devices.map((device) => [device, winners.get(device) ?? null]));
  const sources = new Map<string, string>();
  for (const b of winners.values()) {
    const source = b.origin === "template" ? undefined : store.getVariant(b.variantHash)?.source;
    if (source !== undefined) sources.set(b.variantHash, source);
  }
  const dispatch = writeDispatch(outDir, {
    specName: name,
    specId: campaign.config.specId,
    language: spec?.language ?? (profiles.some((p) => p.kind === "gpu") ? "cuda" : "c"),
    campaignId,
    parameters: spec ? Object.entries(spec.parameters).map(([n, values]) => ({ name: n, values })) : parametersOf([...winners.values()]),
    best,
    sources,
    headlines,
  });

  const markdown = [
    ...campaignSection(campaign, spec, evaluations, svgFile),
    ...devices.flatMap((device) =>
      deviceSection(device, profiles.find((p) => p.name === device), evaluations, best.get(device) ?? null, headlines.get(device)!, spec?.baseline ?? null, options.topK ?? 10, store, costs, proofs),
    ),
    ...paretoSection(campaign, evaluations),
    ...ledgerSection(store, campaignId, evaluations),
    ...modelSection(store, campaignId, evaluations, costs),
    "## Files",
    "",
    `- Convergence plot: \`${svgFile}\``,
    `- Dispatch header: \`${name}_dispatch.h\` (compile with \`-DNIGHTSHIFT_DEVICE_<DEVICE>\` or look devices up in \`${name}_dispatch_table\`)`,
    `- Dispatch JSON: \`${name}_dispatch.json\``,
    ...dispatch.sourcePaths.map((p) => `- Rewritten source: \`${basename(p)}\``),
    "",
  ];
  const markdownPath = join(outDir, `${name}_report.md`);
  writeOutFile(outDir, markdownPath, markdown.join("\n"));
  return { markdownPath, svgPath, headerPath: dispatch.headerPath, jsonPath: dispatch.jsonPath };
}

/** Without the spec, the parameters and values of the winners are all that is known. */
function parametersOf(best: readonly VerifiedVariant[]): SpaceParameter[] {
  const names = best.length > 0 ? Object.keys(best[0]!.params) : [];
  return names.map((n) => ({ name: n, values: [...new Set(best.map((b) => b.params[n]!))] }));
}

/** The spec as it is now, or null when its folder moved or no longer validates (the report still works). */
/** The spec as the campaign ran it (at its tuned size, for one campaign of a `--sizes` group), or null. */
function specIfReadable(dir: string, profiles: readonly HardwareProfile[], tuneSize: ProblemSize | undefined): KernelSpec | null {
  try {
    return specAtTuneSize(loadSpecOrSpace(dir, profiles), tuneSize);
  } catch (error) {
    if (isNightshiftError(error)) return null;
    throw error;
  }
}

function campaignSection(c: CampaignRecord, spec: KernelSpec | null, evaluations: readonly EvaluationRecord[], svgFile: string): string[] {
  const cfg = c.config;
  const explore = evaluations.filter((e) => e.purpose === "explore").length;
  const rows: Array<[string, string]> = [
    ["Spec", `${cfg.specName} (\`${cfg.specId}\`, ${cfg.specDir})${spec && spec.id !== cfg.specId ? " — the spec folder has changed since" : ""}`],
    ["Devices", cfg.devices.join(", ")],
    ["Strategy", cfg.strategy],
    ["Seed", String(cfg.seed)],
    ["Budget", `${cfg.budget} evaluations per device${cfg.timeBudgetSeconds ? `, ${cfg.timeBudgetSeconds} s` : ""}, batches of ${cfg.batchSize}`],
    ["State", `${c.state}${c.stopReason ? ` (stopped: ${c.stopReason})` : ""}`],
    ["Started / last update", `${c.createdAt} / ${c.updatedAt}`],
    ["Evaluations", `${evaluations.length} (${explore} exploring, ${evaluations.length - explore} confirming)`],
  ];
  if (cfg.models && Object.keys(cfg.models).length > 0) rows.push(["Models", Object.entries(cfg.models).map(([k, v]) => `${k}: ${v}`).join(", ")]);
  return [`# Campaign ${c.id}: ${cfg.specName}`, "", "| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`), "", `![convergence](${svgFile})`, ""];
}

function deviceSection(
  device: string,
  profile: HardwareProfile | undefined,
  evaluations: readonly EvaluationRecord[],
  best: AcceptedVariant | null,
  headline: Headline,
  baselineParams: Params | null,
  k: number,
  store: Store,
  costs: ReadonlyMap<string, number>,
  proofs: ReadonlyMap<string, ProofVerdict>,
): string[] {
  const mine = evaluations.filter((e) => e.device === device);
  const model = profile?.gpu?.model ?? profile?.cpu?.model;
  const out = [`## Device ${device}${model ? ` (${model})` : ""}`, ""];
  const ok = mine.filter((e) => e.status === "ok").length;
  out.push(`${mine.length} evaluations, ${ok} ok, ${mine.length - ok} failed.`, "");
  const top = topK(evaluations, device, k);
  if (top.some((v) => v.replayed)) out.push("> Times on this device were replayed from recorded tuning data; nightshift did not run or verify these kernels.", "");
  const baseline = headline.baseline;
  if (baseline !== null) out.push(`- Baseline (${params(baseline.params)}): ${figure(baseline)}`);
  else if (baselineParams === null) out.push("- Baseline: unknown (the spec folder is no longer readable)");
  else out.push(`- Baseline (${params(baselineParams)}): not verified on this device`);
  if (best === null) {
    if (top.length === 0) out.push("- Best verified variant: none");
    else out.push("- Best verified variant: none, no variant was accepted by the critic (those below passed verification but were never accepted, so the dispatch files leave this device out)");
  } else {
    out.push(`- Best verified variant (${params(best.params)}), \`${best.variantHash}\`${originNote(best, store)}: ${headline.best ? figure(headline.best) : timing(best)}`);
    if (best.unsandboxed) out.push("- **Unsandboxed**: measured without the sandbox (--unsandboxed); nothing stopped this kernel from forging its evidence");
    out.push(`- Accepted by the critic: ${best.acceptedVerdict}`);
    out.push(`- Evidence: ${describeEvidence(best.evidence, best.proof)}`);
    if (headline.speedup !== null && headline.speedupCi95 !== null) {
      const [low, high] = headline.speedupCi95;
      out.push(`- Speedup over the baseline: ${headline.speedup.toFixed(2)}x (95% interval ${low.toFixed(2)}x to ${high.toFixed(2)}x, ${low > 1 ? "beyond the noise" : "within the noise"})`);
    }
    if (best.roofline) {
      const r = best.roofline;
      out.push(
        `- Roofline: ${fmtValue(r.achievedGBs)} GB/s (${pct(r.bandwidthFraction)} of peak bandwidth), ${fmtValue(r.achievedGflops)} GFLOP/s (${pct(r.computeFraction)} of peak compute); physics floor ${fmtValue(r.floorMs)} ms`,
      );
    }
    if (best.compile && Object.keys(best.compile).length > 0) {
      out.push(`- Compiler: ${Object.entries(best.compile).map(([key, v]) => `${key} ${v}`).join(", ")}`);
    }
  }
  out.push(...librarySection(best, headline));
  // Without an accepted variant the table still shows what was measured: nothing measured is hidden.
  if (top.length > 0) {
    // Parameters equal in every row are stated once, so the table shows what distinguishes the variants.
    const first = top[0]!;
    const common = top.length > 1 ? Object.keys(first.params).filter((key) => top.every((v) => v.params[key] === first.params[key])) : [];
    const varying = (p: Params): Params => Object.fromEntries(Object.entries(p).filter(([k]) => !common.includes(k)));
    out.push("", `### Top ${top.length} verified variants`, "", "Medians: the best's and the baseline's are the figures above; every other variant's is its latest measurement.", "");
    if (common.length > 0) out.push(`Same in every row: ${params(Object.fromEntries(common.map((key) => [key, first.params[key]!])))}.`, "");
    // The model's cost of a variant (its rewrite calls) sits next to what it bought, when a model was used.
    const priced = costs.size > 0;
    out.push(
      `| # | parameters | median (ms) | 95% CI (ms) | samples | origin | evidence |${priced ? " model cost (USD) |" : ""} variant |`,
      `|---|---|---|---|---|---|---|${priced ? "---|" : ""}---|`,
    );
    // The best and the baseline appear with the headline's figures; every other row with its latest measurement.
    const shown = (v: VerifiedVariant): { medianMs: number; ci95Ms: [number, number] } =>
      v.variantHash === headline.best?.variantHash ? headline.best : v.variantHash === baseline?.variantHash ? baseline : v;
    top.forEach((v, i) => {
      const { medianMs, ci95Ms } = shown(v);
      const origin = (v.origin === "model" ? "**model rewrite**" : v.origin) + (v.variantHash === best?.variantHash ? " (best)" : "") + (v.unsandboxed ? " **unsandboxed**" : "");
      const cost = priced ? ` ${costs.has(v.variantHash) ? costs.get(v.variantHash)!.toFixed(4) : "–"} |` : "";
      const proof = proofs.get(v.variantHash);
      const evidence = proof?.status === "refuted" ? "**refuted**" : evidenceOf(v, proof);
      out.push(`| ${i + 1} | ${cell(params(varying(v.params)) || "(as above)")} | ${fmtValue(medianMs)} | ${fmtValue(ci95Ms[0])} – ${fmtValue(ci95Ms[1])} | ${v.samples} | ${origin} | ${evidence} |${cost} \`${v.variantHash}\` |`);
    });
    out.push("");
  }
  const failures = failuresByKind(evaluations, device);
  if (failures.length > 0) {
    out.push("### Failures by kind", "", "| status | detail | count |", "|---|---|---|");
    for (const f of failures) out.push(`| ${f.status} | ${f.detail ?? ""} | ${f.count} |`);
    out.push("");
  }
  return out;
}

function ledgerSection(store: Store, campaignId: string, evaluations: readonly EvaluationRecord[]): string[] {
  const lessons = ledgerLessons(store.ledger(campaignId), evaluations);
  if (lessons.length === 0) return ["## Ledger", "", "No failure lessons recorded.", ""];
  const out = [
    "## Ledger",
    "",
    `${lessons.length} distinct lessons (most frequent first, at most 20 shown). A lesson stands until a configuration it blames runs; the campaign measures one to test each blame that removes enough of the space.`,
    "",
    "| device | status | pattern | occurrences | lesson | stands |",
    "|---|---|---|---|---|---|",
  ];
  for (const l of lessons.slice(0, 20)) {
    const what = l.idea ? `${l.idea}: ${l.message}` : l.message;
    const stands = l.liftedBy ? `no: ${cell(params(l.liftedBy))} ran` : "yes";
    out.push(`| ${l.device} | ${l.status} | ${cell(params(l.pattern) || "(any)")} | ${l.occurrences} | ${cell(truncate(what, 160))} | ${stands} |`);
  }
  return [...out, ""];
}

function modelSection(store: Store, campaignId: string, evaluations: readonly EvaluationRecord[], costs: ReadonlyMap<string, number>): string[] {
  const usage = modelUsage(store.modelCalls(campaignId));
  if (usage.length === 0) return [];
  const rewrites = new Set(evaluations.filter((e) => e.origin === "model").map((e) => e.variantHash)).size;
  const total = usage.reduce((a, u) => a + u.costUsd, 0);
  const out = [
    "## Model calls",
    "",
    `${usage.reduce((a, u) => a + u.calls, 0)} calls, total cost $${total.toFixed(4)}; ${rewrites} model-rewritten variants were evaluated.`,
    "",
    ...refusalLines(store.refusedProposals(campaignId)),
    "| role | model | calls | failed | tokens in | tokens out | cost (USD) | mean latency (ms) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const u of usage) {
    out.push(`| ${u.role} | ${cell(u.model)} | ${u.calls} | ${u.failed} | ${u.tokensIn} | ${u.tokensOut} | ${u.costUsd.toFixed(4)} | ${Math.round(u.latencyMs / u.calls)} |`);
  }
  const rewritten = evaluations.filter((e) => e.origin === "model" && e.purpose === "explore");
  if (rewritten.length > 0) {
    out.push("", "Variants the model wrote:", "", "| variant | device | idea | verdict | median (ms) | model cost (USD) |", "|---|---|---|---|---|---|");
    for (const e of rewritten) {
      const idea = store.variantIdea(e.variantHash) ?? "";
      out.push(`| \`${e.variantHash}\` | ${e.device} | ${cell(truncate(idea, 100))} | ${e.status} | ${e.medianMs !== null ? fmtValue(e.medianMs) : "–"} | ${(costs.get(e.variantHash) ?? 0).toFixed(4)} |`);
    }
  }
  return [...out, ""];
}

/** How many model proposals were refused before a build, and why; the offline strategy took their places. */
function refusalLines(refused: readonly RefusedProposal[]): string[] {
  if (refused.length === 0) return ["Model proposals refused: 0.", ""];
  const counts = new Map<string, number>();
  for (const r of refused) counts.set(`${r.role} ${r.reason}`, (counts.get(`${r.role} ${r.reason}`) ?? 0) + 1);
  const reasons = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
  return [`Model proposals refused: ${refused.length} (${reasons}); the offline strategy filled their places in each batch.`, ""];
}

/** Summed cost of the model calls that produced each variant (coder calls name the variant they became). */
function modelCostByVariant(store: Store, campaignId: string): Map<string, number> {
  const costs = new Map<string, number>();
  for (const call of store.modelCalls(campaignId)) {
    if (call.variantHash !== undefined) costs.set(call.variantHash, (costs.get(call.variantHash) ?? 0) + call.costUsd);
  }
  return costs;
}

function originNote(v: VerifiedVariant, store: Store): string {
  if (v.origin === "template") return "";
  const parent = store.getVariant(v.variantHash)?.parentHash;
  return v.origin === "model" ? ` (model rewrite${parent ? ` of \`${parent}\`` : ""})` : " (user source)";
}

/** A headline figure with what it pools. */
function figure(f: HeadlineFigure): string {
  return `median ${fmtValue(f.medianMs)} ms (95% CI ${fmtValue(f.ci95Ms[0])} – ${fmtValue(f.ci95Ms[1])} ms; ${f.measurement})`;
}

function timing(v: VerifiedVariant): string {
  return `median ${fmtValue(v.medianMs)} ms (95% CI ${fmtValue(v.ci95Ms[0])} – ${fmtValue(v.ci95Ms[1])} ms, ${v.samples} samples${v.measurements > 1 ? `, ${v.measurements} measurements` : ""})`;
}

function params(p: Params): string {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`).join(", ");
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
