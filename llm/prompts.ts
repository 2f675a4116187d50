// Prompt text for the three roles. Every section is bounded (top-k rows, ledger entries, truncated
// feedback), so a prompt on night three is as long as on night one: the model sees the task, the
// best verified state and the lessons learned, never the whole history.

import type { CoderInput, DiagnoseInput, PlanInput } from "../agents/types.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { CompileStats, Occupancy, Roofline } from "../harness/types.ts";
import type { Incumbent, LedgerEntry } from "../results/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import { truncate } from "./model-client.ts";

export const LIMITS = {
  topK: 10,
  ledgerEntries: 15,
  ledgerMessageChars: 200,
  feedbackChars: 2000,
  diagnosisChars: 600,
  roundRows: 16,
  /** Parent sources larger than this are not sent (the rewrite is refused instead). */
  parentSourceChars: 60_000,
};

const fmtParams = (p: Params): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(", ") || "(none)";
const ms = (x: number): string => `${x.toPrecision(4)} ms`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function specSection(spec: KernelSpec): string {
  const args = spec.arguments
    .map((a) => (a.kind === "buffer" ? `  ${a.name}: ${a.dtype}[${a.length}] (${a.intent})` : `  ${a.name}: ${a.dtype} = ${a.value}`))
    .join("\n");
  const params = Object.entries(spec.parameters).map(([k, v]) => `  ${k} in {${v.join(", ")}}`).join("\n");
  return [
    `Kernel "${spec.name}" (${spec.language}): ${truncate(spec.description, 400) || "no description"}`,
    `Function ${spec.kernel}(${spec.arguments.map((a) => a.name).join(", ")}) with arguments:\n${args}`,
    `Tuning size: ${fmtParams(spec.problem.tune)}; bytes moved = ${spec.bytes}; flops = ${spec.flops}`,
    `Tunable parameters (each reaches the code as a -DNAME=value macro):\n${params}`,
    `Restrictions every configuration satisfies: ${spec.restrictions.length ? spec.restrictions.join("; ") : "none"}`,
    ...(spec.tuneRestrictions.length ? [`Restrictions at the tuning size only: ${spec.tuneRestrictions.join("; ")}`] : []),
    `Baseline configuration: ${fmtParams(spec.baseline)}`,
  ].join("\n");
}

export function deviceSection(device: HardwareProfile): string {
  if (device.gpu) {
    const g = device.gpu;
    const peaks = Object.entries(g.peakTflops).map(([k, v]) => `${k} ${v} TFLOP/s`).join(", ");
    return `Device ${device.name}: ${g.vendor} ${g.model} (${g.arch}), ${g.smCount} SMs, ${g.memoryBandwidthGBs} GB/s, ${peaks}; per SM: ${g.maxThreadsPerSM} threads, ${g.registersPerSM} registers, ${g.sharedMemoryPerSMBytes} B shared memory; L2 ${g.l2CacheBytes} B`;
  }
  if (device.cpu) {
    const c = device.cpu;
    return `Device ${device.name}: ${c.model}, ${c.cores} cores / ${c.threads} threads, caches L1d ${c.cacheBytes.l1d} B, L2 ${c.cacheBytes.l2} B, L3 ${c.cacheBytes.l3} B; peaks ${c.peakBandwidthGBs} GB/s, ${c.peakGflops.float32} GFLOP/s fp32, ${c.peakGflops.float64} GFLOP/s fp64`;
  }
  return `Device ${device.name} (${device.kind})`;
}

export function measurementLines(compile?: CompileStats, occupancy?: Occupancy, roofline?: Roofline, medianMs?: number): string[] {
  const lines: string[] = [];
  if (compile && Object.keys(compile).length) lines.push(`compile: ${Object.entries(compile).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  if (occupancy) lines.push(`occupancy: theoretical ${pct(occupancy.theoretical)} limited by ${occupancy.limitedBy}, ${occupancy.activeBlocksPerSM} blocks/SM, achieved ${occupancy.achieved === null ? "not measured" : pct(occupancy.achieved)}`);
  if (roofline) {
    const gap = medianMs !== undefined && medianMs > 0 ? `; the floor is ${pct(roofline.floorMs / medianMs)} of the measured time` : "";
    lines.push(`roofline: ${roofline.achievedGBs.toFixed(1)} GB/s (${pct(roofline.bandwidthFraction)} of peak), ${roofline.achievedGflops.toFixed(1)} GFLOP/s (${pct(roofline.computeFraction)} of peak), floor ${ms(roofline.floorMs)}${gap}`);
  }
  return lines;
}

/** `baselineMs` undefined: the caller has no baseline to show (not "not measured"). */
export function incumbentSection(incumbent: Incumbent | null, baselineMs?: number | null): string {
  const base = baselineMs === undefined ? "" : baselineMs !== null ? `Baseline: ${ms(baselineMs)}.\n` : "Baseline: not measured yet.\n";
  if (!incumbent) return `${base}No verified variant yet.`;
  const speedup = baselineMs != null && incumbent.medianMs > 0 ? ` (${(baselineMs / incumbent.medianMs).toFixed(2)}x the baseline)` : "";
  return [
    `${base}Best verified variant ${incumbent.variantHash} (${incumbent.family === "template" ? "the template" : `rewrite ${incumbent.family}`}): ${fmtParams(incumbent.params)}`,
    `  median ${ms(incumbent.medianMs)}, 95% CI [${ms(incumbent.ci95Ms[0])}, ${ms(incumbent.ci95Ms[1])}]${speedup}`,
    ...measurementLines(incumbent.compile, incumbent.occupancy, incumbent.roofline, incumbent.medianMs).map((l) => `  ${l}`),
  ].join("\n");
}

export function ledgerSection(ledger: readonly LedgerEntry[]): string {
  if (ledger.length === 0) return "Failure ledger: empty.";
  const top = [...ledger].sort((a, b) => b.occurrences - a.occurrences).slice(0, LIMITS.ledgerEntries);
  const rows = top.map((e) => {
    const what = Object.keys(e.pattern).length ? `pattern {${fmtParams(e.pattern)}}` : e.idea ? `code change "${truncate(e.idea, 160)}"` : `variant ${e.variantHash}`;
    return `  - ${e.status} x${e.occurrences}: ${what}: ${truncate(e.message, LIMITS.ledgerMessageChars)}`;
  });
  const more = ledger.length > top.length ? `\n  (${ledger.length - top.length} rarer entries not shown)` : "";
  return `Failure ledger (do not repeat these):\n${rows.join("\n")}${more}`;
}

export function plannerPrompt(input: PlanInput, allowIdeas: boolean): { system: string; user: string } {
  const measured = input.history.filter((o) => o.value !== null) as Array<{ config: Params; value: number }>;
  const top = [...measured].sort((a, b) => a.value - b.value).slice(0, LIMITS.topK);
  const failed = input.history.length - measured.length;
  const table = top.length ? top.map((o, i) => `  ${i + 1}. ${ms(o.value)}  ${fmtParams(o.config)}`).join("\n") : "  (nothing measured yet)";
  const system = [
    "You plan experiments for a kernel autotuner. Every experiment is compiled, run, verified against a trusted reference on fresh inputs and timed; only verified results count.",
    "Propose configurations from the listed parameter values only, satisfying every restriction. Do not repeat anything in the failure ledger or the measured table.",
    allowIdeas
      ? "An experiment may also carry an idea: one concrete code change to the best verified variant's source (the parameter macros must stay). Prefer ideas that address the diagnosed bottleneck."
      : "Code changes are not available in this campaign: propose parameter settings only (no idea).",
    "Reply by calling the tool with your experiments.",
  ].join("\n");
  const user = [
    specSection(input.spec),
    deviceSection(input.device),
    incumbentSection(input.incumbent, input.baselineMs),
    `Fastest measured configurations (top ${LIMITS.topK} of ${measured.length}; ${failed} failed):\n${table}`,
    ledgerSection(input.ledger),
    `Diagnosis of the last round: ${input.diagnosis ? truncate(input.diagnosis, LIMITS.diagnosisChars) : "none yet"}`,
    `Budget: ${input.budget.used} of ${input.budget.total} evaluations used.`,
    `Propose ${input.count} experiment${input.count === 1 ? "" : "s"}. Give every parameter a value (omitted ones take the best verified variant's value).`,
  ].join("\n\n");
  return { system, user };
}

export function coderPrompt(input: CoderInput, context: { macros: readonly string[]; previousAttempt: string | null; ledger: readonly LedgerEntry[] }): { system: string; user: string } {
  const { spec } = input;
  const system = [
    `You rewrite a ${spec.language === "cuda" ? "CUDA" : "C"} kernel to make it faster while computing exactly the same result.`,
    `The harness compiles your source with -DNAME=value for each tunable parameter and calls ${spec.kernel} itself; it checks the output on fresh random inputs and several sizes, checks inputs are unchanged, and times the kernel with its own clock.`,
    `Rules: define ${spec.kernel} with the same signature; keep using the parameter macros ${context.macros.join(", ") || "(none)"} (do not #define or #undef them); define no other global symbols (make helpers static); do not call timing, threading or I/O functions; no caching of results between calls.`,
    "Return the complete source file and a one-paragraph summary of the change by calling the tool.",
  ].join("\n");
  const feedback = input.feedback ? `Feedback on your previous rewrite (it was rejected):\n${truncate(input.feedback, LIMITS.feedbackChars)}` : null;
  const previous = context.previousAttempt ? `Your previous rewrite (rejected; fix it or start again from the parent):\n\`\`\`\n${truncate(context.previousAttempt, LIMITS.parentSourceChars)}\n\`\`\`` : null;
  const ideaLedger = context.ledger.filter((e) => e.idea !== undefined);
  const user = [
    specSection(spec),
    `Task: apply this change to the parent: ${input.proposal.idea ?? "(none)"}` + (input.proposal.rationale ? `\nWhy: ${truncate(input.proposal.rationale, 600)}` : ""),
    `Parameter values for this experiment: ${fmtParams(input.proposal.params)}`,
    `Parent source (${input.parentHash ? `verified variant ${input.parentHash}` : "the template"}):\n\`\`\`\n${input.parentSource}\n\`\`\``,
    ...(feedback ? [feedback] : []),
    ...(previous ? [previous] : []),
    ideaLedger.length ? ledgerSection(ideaLedger) : "No code change has failed so far.",
  ].join("\n\n");
  return { system, user };
}

export function criticPrompt(input: DiagnoseInput): { system: string; user: string } {
  const rows = input.round.slice(0, LIMITS.roundRows).map((r) => {
    const metrics = measurementLines(r.compile, r.occupancy, r.roofline, r.medianMs).join("; ");
    return `  - ${r.status}${r.medianMs !== undefined ? ` ${ms(r.medianMs)}` : ""}  ${fmtParams(r.params)}${metrics ? `  [${metrics}]` : ""}`;
  });
  const system = [
    "You diagnose the performance bottleneck of a kernel from measured metrics. Verdicts (correct, rejected, accepted) are already final and are not yours to change.",
    "Name exactly ONE bottleneck, cite the measured numbers that show it, and suggest one direction for the next experiments. Reply by calling the tool.",
  ].join("\n");
  const user = [
    specSection(input.spec),
    deviceSection(input.device),
    incumbentSection(input.incumbent),
    `This round (${input.round.length} results${input.round.length > LIMITS.roundRows ? `, first ${LIMITS.roundRows} shown` : ""}):\n${rows.join("\n") || "  (none)"}`,
  ].join("\n\n");
  return { system, user };
}
