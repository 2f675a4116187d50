// The dispatch of campaigns that tuned one kernel at several sizes (`nightshift run --sizes`): per device one
// entry per tuned size, and a C function that picks the entry for the size a caller runs at. Each campaign's
// entries come from dispatchTable (results/dispatch.ts), so the same winners, and only those, are shipped.

import { fail } from "../core/errors.ts";
import type { ProblemSize } from "../specs/schema.ts";
import { sizeLabel } from "../specs/tune-size.ts";
import { cLiteral, type CType, type DispatchDevice, type DispatchFiles, type DispatchTable, writeDispatchFiles } from "./dispatch.ts";
import { fmtValue } from "./svg-convergence.ts";

/**
 * The selection rule, word for word in the header, the JSON and the docs. The distance is computed as the
 * product over variables of max(r, 1/r) with r = requested / tuned: the same order as the sum of logarithms,
 * without libm, and exact ties stay exact (a size between 128 and 512 is equally far from both).
 */
export const SELECTION_RULE =
  "exact match on every size variable; else the tuned size nearest by the sum over size variables of |ln(requested / tuned)| " +
  "(a requested value below 1 counts as 1); ties go to the larger tuned size (the larger product of the size variables, then " +
  "variable by variable in the order listed). Only sizes at which the device has an entry are candidates; an unknown device gets none.";

export interface SizedCampaign {
  campaignId: string;
  /** The size the campaign tuned at. */
  size: ProblemSize;
  /** The campaign's single-size dispatch table (dispatchTable of its winners). */
  table: DispatchTable;
  /** Source text of its winners that are not template instantiations, by variant hash. */
  sources: ReadonlyMap<string, string>;
}

export interface SizedDispatchInput {
  specName: string;
  /** The size variables in the spec's order: the order of the table's size fields and the function's arguments. */
  sizeVariables: readonly string[];
  campaigns: readonly SizedCampaign[];
  generatedAt?: string;
}

export type SizedEntry = Omit<DispatchDevice, "macro"> & { size: ProblemSize; campaign: string };

export interface SizedDispatch {
  spec: string;
  generatedAt: string;
  rule: string;
  sizeVariables: string[];
  campaigns: Array<{ id: string; specId: string; size: ProblemSize }>;
  parameters: string[];
  fieldTypes: Record<string, CType>;
  /** Per device its entries, sorted by size (the order ties are broken in). */
  devices: Record<string, SizedEntry[]>;
  /** Per device the sizes left out of it, with the reason. */
  excluded: Record<string, Array<{ size: ProblemSize; campaign: string; reason: string }>>;
}

const WIDTH: Record<CType, number> = { long: 0, double: 1, "const char *": 2 };

/** The total extent first, then variable by variable: the order entries are listed and ties are broken in. */
export function compareSizes(a: ProblemSize, b: ProblemSize, variables: readonly string[]): number {
  const product = (s: ProblemSize): number => variables.reduce((p, v) => p * s[v]!, 1);
  const byProduct = product(a) - product(b);
  if (byProduct !== 0) return byProduct;
  for (const v of variables) if (a[v] !== b[v]) return a[v]! - b[v]!;
  return 0;
}

/** How far `requested` is from `tuned`: exp of the rule's sum of |ln| terms, computed as the C function does. */
export function sizeDistance(requested: ProblemSize, tuned: ProblemSize, variables: readonly string[]): number {
  let distance = 1;
  for (const v of variables) {
    const r = requested[v]! < 1 ? 1 : requested[v]!;
    const t = tuned[v]!;
    distance *= r > t ? r / t : t / r;
  }
  return distance;
}

/** The rule applied to one device's entries (sorted as in SizedDispatch.devices); null when it has none. */
export function selectEntry<E extends { size: ProblemSize }>(entries: readonly E[], requested: ProblemSize, variables: readonly string[]): E | null {
  const exact = entries.find((e) => variables.every((v) => e.size[v] === requested[v]));
  if (exact) return exact;
  let best: E | null = null;
  let bestDistance = 0;
  for (const e of entries) {
    const d = sizeDistance(requested, e.size, variables);
    // Later entries are larger, so "<=" gives a tie to the larger size.
    if (best === null || d <= bestDistance) {
      best = e;
      bestDistance = d;
    }
  }
  return best;
}

function sourceFileName(spec: string, device: string, size: ProblemSize, variables: readonly string[], sourceFile: string): string {
  const extension = sourceFile.slice(sourceFile.lastIndexOf("."));
  return `${spec}_${device}_${variables.map((v) => `${v}${size[v]}`).join("_")}${extension}`;
}

export function sizedDispatch(input: SizedDispatchInput): SizedDispatch {
  const variables = [...input.sizeVariables];
  const first = input.campaigns[0];
  if (first === undefined) fail("USAGE", "dispatch: expected one or more campaigns, received none");
  const seen = new Map<string, string>();
  const fieldTypes: Record<string, CType> = { ...first.table.fieldTypes };
  for (const c of input.campaigns) {
    if (c.table.spec !== input.specName) fail("USAGE", `dispatch: expected campaigns of the spec ${input.specName}, received ${c.campaignId} of ${c.table.spec}`);
    if (c.table.parameters.join(",") !== first.table.parameters.join(",")) {
      fail("USAGE", `dispatch: expected campaigns with the same parameters (${first.table.parameters.join(", ")}), received ${c.campaignId} with ${c.table.parameters.join(", ")}`);
    }
    const label = sizeLabel(c.size, variables);
    const twin = seen.get(label);
    if (twin !== undefined) fail("USAGE", `dispatch: expected campaigns at distinct sizes, received ${twin} and ${c.campaignId} both at ${label}`);
    seen.set(label, c.campaignId);
    // A parameter whose values differ in kind between campaigns gets the field type that holds them all.
    for (const [p, type] of Object.entries(c.table.fieldTypes)) if (WIDTH[type] > WIDTH[fieldTypes[p]!]) fieldTypes[p] = type;
  }
  const campaigns = [...input.campaigns].sort((a, b) => compareSizes(a.size, b.size, variables));
  const devices: Record<string, SizedEntry[]> = {};
  const excluded: SizedDispatch["excluded"] = {};
  for (const c of campaigns) {
    for (const [device, d] of Object.entries(c.table.devices)) {
      const { macro: _macro, ...entry } = d;
      const sized: SizedEntry = { size: c.size, campaign: c.campaignId, ...entry };
      if (d.sourceFile) sized.sourceFile = sourceFileName(input.specName, device, c.size, variables, d.sourceFile);
      (devices[device] ??= []).push(sized);
    }
    for (const [device, reason] of Object.entries(c.table.excluded)) (excluded[device] ??= []).push({ size: c.size, campaign: c.campaignId, reason });
  }
  return {
    spec: input.specName,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    rule: SELECTION_RULE,
    sizeVariables: variables,
    campaigns: campaigns.map((c) => ({ id: c.campaignId, specId: c.table.specId, size: c.size })),
    parameters: [...first.table.parameters],
    fieldTypes,
    devices,
    excluded,
  };
}

/** The header: a table with the size fields and `<spec>_dispatch_select`, which applies SELECTION_RULE. */
export function sizedDispatchHeader(d: SizedDispatch): string {
  const name = d.spec;
  const guard = `NIGHTSHIFT_${name.toUpperCase()}_DISPATCH_H`;
  const vars = d.sizeVariables;
  const types = new Map<string, CType>(Object.entries(d.fieldTypes));
  const entries = Object.entries(d.devices).flatMap(([device, list]) => list.map((e) => ({ device, e })));
  const select = `${name}_dispatch_select`;
  const out: string[] = [
    `/* ${name}_dispatch.h: per-device, per-size tuned parameters for the ${name} kernel (C99 or later).`,
    ` * Generated by nightshift at ${d.generatedAt} from the campaigns`,
    ...d.campaigns.map((c) => ` *   ${c.id} tuned at ${sizeLabel(c.size, vars)} (spec ${c.specId})`),
    ` * Every entry is the variant the critic accepted (verified and confirmed against the incumbent) on its device at its tuned size.`,
    ` * Run-time selection: ${select}(device, ${vars.join(", ")}) returns the entry for that device and size, or NULL.`,
    ` * Rule: ${SELECTION_RULE} */`,
  ];
  for (const [device, list] of Object.entries(d.excluded)) {
    for (const x of list) out.push(`/* ${device} at ${sizeLabel(x.size, vars)}: left out (${x.reason}). */`);
  }
  out.push(`#ifndef ${guard}`, `#define ${guard}`, "", "#include <stddef.h>", "#include <string.h>", "", `#define ${name.toUpperCase()}_DISPATCH_COUNT ${entries.length}`, "");
  out.push("typedef struct {", "  const char *device;");
  for (const v of vars) out.push(`  long size_${v};`);
  for (const p of d.parameters) out.push(`  ${types.get(p)} tuned_${p};`);
  out.push("  double median_ms;", `} ${name}_dispatch_entry;`, "");
  out.push(`static const ${name}_dispatch_entry ${name}_dispatch_table[] = {`);
  for (const { device, e } of entries) {
    const note = `${device} at ${sizeLabel(e.size, vars)}: median ${fmtValue(e.medianMs)} ms, 95% CI [${fmtValue(e.ci95Ms[0])}, ${fmtValue(e.ci95Ms[1])}] ms, variant ${e.variantHash} (${e.origin})${e.sourceFile ? `, a rewrite: build ${e.sourceFile}` : ""}`;
    out.push(`  /* ${note} */`);
    const fields = [cLiteral(device, "const char *"), ...vars.map((v) => String(e.size[v])), ...d.parameters.map((p) => cLiteral(e.params[p]!, types.get(p)!)), String(e.medianMs)];
    out.push(`  { ${fields.join(", ")} },`);
  }
  out.push("  { 0 }", "};", "");
  // Local names carry a prefix: size variables are the spec's identifiers and must not shadow them.
  const args = vars.map((v) => `long ${v}`).join(", ");
  out.push(
    `/* max(r, 1/r) for r = requested / tuned: one factor of the rule's distance. */`,
    `static inline double ${name}_dispatch_ratio_(long ns_requested, long ns_tuned) {`,
    "  double ns_r = ns_requested < 1 ? 1.0 : (double)ns_requested;",
    "  double ns_t = (double)ns_tuned;",
    "  return ns_r > ns_t ? ns_r / ns_t : ns_t / ns_r;",
    "}",
    "",
    `/* The entry of ns_device for the size (${vars.join(", ")}), by the rule above; entries are sorted by size, so "<=" gives ties to the larger. */`,
    `static inline const ${name}_dispatch_entry *${select}(const char *ns_device, ${args}) {`,
    `  const ${name}_dispatch_entry *ns_best = NULL;`,
    "  double ns_best_distance = 0.0;",
    `  const ${name}_dispatch_entry *ns_e;`,
    "  if (ns_device == NULL) return NULL;",
    `  for (ns_e = ${name}_dispatch_table; ns_e->device != NULL; ns_e++) {`,
    "    double ns_distance = 1.0;",
    "    if (strcmp(ns_e->device, ns_device) != 0) continue;",
    `    if (${vars.map((v) => `ns_e->size_${v} == ${v}`).join(" && ")}) return ns_e;`,
    ...vars.map((v) => `    ns_distance *= ${name}_dispatch_ratio_(${v}, ns_e->size_${v});`),
    "    if (ns_best == NULL || ns_distance <= ns_best_distance) {",
    "      ns_best = ns_e;",
    "      ns_best_distance = ns_distance;",
    "    }",
    "  }",
    "  return ns_best;",
    "}",
    "",
    `#endif /* ${guard} */`,
    "",
  );
  return out.join("\n");
}

export function writeSizedDispatch(outDir: string, input: SizedDispatchInput): DispatchFiles {
  const table = sizedDispatch(input);
  const sources = input.campaigns.flatMap((c) =>
    Object.values(table.devices)
      .flat()
      .filter((e) => e.sourceFile !== undefined && e.campaign === c.campaignId)
      .map((e) => {
        const text = c.sources.get(e.variantHash);
        if (text === undefined) fail("INTERNAL", `dispatch: expected the source of variant ${e.variantHash} (${e.origin}), received none`);
        return { file: e.sourceFile!, text };
      }),
  );
  return writeDispatchFiles(outDir, table.spec, sizedDispatchHeader(table), table, sources);
}
