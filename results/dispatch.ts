// The per-device specialisation a build can include: a C header (macros selected by a device macro, plus
// a table for run-time lookup) and the same content as JSON. Only variants the critic accepted, verified
// and measured by nightshift itself, may appear: a fast median the critic never confirmed is not a win, and
// replayed numbers were never checked for correctness here, so both are left out.

import { join } from "node:path";
import { fail } from "../core/errors.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import type { ParamValue } from "../specs/schema.ts";
import type { Headline } from "./headline.ts";
import { makeOutDir, writeOutFile } from "./out-dir.ts";
import type { AcceptedVariant, VerifiedVariant } from "./summary.ts";
import { fmtValue } from "./svg-convergence.ts";

export interface DispatchInput {
  specName: string;
  specId: string;
  language: "c" | "cuda";
  campaignId: string;
  /**
   * The spec's parameters in order with all their values: the C field types follow the values a parameter
   * may take, so the struct stays the same whichever values win (or when no device has a winner yet).
   */
  parameters: readonly SpaceParameter[];
  /** Per device, the variant the critic accepted, or null when it accepted none that is still verified. */
  best: ReadonlyMap<string, AcceptedVariant | null>;
  /** Source text of variants that are not plain template instantiations (model rewrites, user files). */
  sources: ReadonlyMap<string, string>;
  /** Per device, the campaign's headline (results/headline.ts): the speedup the dispatch entry stands for. */
  headlines?: ReadonlyMap<string, Headline>;
  generatedAt?: string;
}

export interface DispatchDevice {
  macro: string;
  variantHash: string;
  origin: VerifiedVariant["origin"];
  params: Record<string, ParamValue>;
  medianMs: number;
  ci95Ms: [number, number];
  /** How far the variant was checked (tested, sanitized, proved), as the critic recorded it on acceptance. */
  evidence?: AcceptedVariant["evidence"];
  /** Which measurements medianMs pools (the headline's words). */
  measurement?: string;
  /** The headline's baseline median and speedup over it, when the baseline was measured. */
  baselineMs?: number;
  speedup?: number;
  speedupCi95?: [number, number];
  /** File beside the header holding the variant's source, when it is not the spec's template. */
  sourceFile?: string;
}

export interface DispatchTable {
  spec: string;
  specId: string;
  campaign: string;
  generatedAt: string;
  parameters: string[];
  /** C type of each parameter's table field. */
  fieldTypes: Record<string, CType>;
  devices: Record<string, DispatchDevice>;
  /** Devices left out, with the reason. */
  excluded: Record<string, string>;
}

export function deviceMacro(device: string): string {
  return `NIGHTSHIFT_DEVICE_${device.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export function dispatchTable(input: DispatchInput): DispatchTable {
  const devices: Record<string, DispatchDevice> = {};
  const excluded: Record<string, string> = {};
  const macros = new Map<string, string>();
  for (const [device, best] of input.best) {
    if (best === null) {
      excluded[device] = "no variant was accepted by the critic";
      continue;
    }
    if (best.replayed) {
      excluded[device] = "replayed data: never verified by nightshift";
      continue;
    }
    const macro = deviceMacro(device);
    const clash = macros.get(macro);
    if (clash !== undefined) fail("PROFILE_INVALID", `dispatch: expected device names that map to distinct C macros, received "${clash}" and "${device}" (both ${macro})`);
    macros.set(macro, device);
    const entry: DispatchDevice = { macro, variantHash: best.variantHash, origin: best.origin, params: { ...best.params }, medianMs: best.medianMs, ci95Ms: best.ci95Ms, ...(best.evidence ? { evidence: best.evidence } : {}), ...headlineFields(input.headlines?.get(device)) };
    if (best.origin !== "template") {
      if (!input.sources.has(best.variantHash)) fail("INTERNAL", `dispatch: expected the source of variant ${best.variantHash} (${best.origin}), received none`);
      entry.sourceFile = `${input.specName}_${device}.${input.language === "cuda" ? "cu" : "c"}`;
    }
    devices[device] = entry;
  }
  return {
    spec: input.specName,
    specId: input.specId,
    campaign: input.campaignId,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    parameters: input.parameters.map((p) => p.name),
    fieldTypes: Object.fromEntries(input.parameters.map((p) => [p.name, fieldType(p.values)])),
    devices,
    excluded,
  };
}

/** The headline's figures for a dispatch entry; the entry's own median is the headline's best already. */
function headlineFields(h: Headline | undefined): Partial<DispatchDevice> {
  if (!h?.best) return {};
  return {
    measurement: h.best.measurement,
    ...(h.baseline && h.speedup !== null && h.speedupCi95 !== null ? { baselineMs: h.baseline.medianMs, speedup: h.speedup, speedupCi95: h.speedupCi95 } : {}),
  };
}

export type CType = "long" | "double" | "const char *";

function fieldType(values: readonly ParamValue[]): CType {
  if (values.every((v) => typeof v === "number" && Number.isInteger(v))) return "long";
  if (values.every((v) => typeof v === "number")) return "double";
  return "const char *";
}

export function cLiteral(value: ParamValue, type: CType): string {
  if (type === "const char *") return `"${String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return String(value);
}

/** The header text. Field names carry a prefix because the device block defines the bare names as macros. */
export function dispatchHeader(table: DispatchTable): string {
  const name = table.spec;
  const guard = `NIGHTSHIFT_${name.toUpperCase()}_DISPATCH_H`;
  const entries = Object.entries(table.devices);
  const types = new Map<string, CType>(Object.entries(table.fieldTypes));
  const out: string[] = [
    `/* ${name}_dispatch.h: per-device tuned parameters for the ${name} kernel.`,
    ` * Generated by nightshift from campaign ${table.campaign} (spec ${table.specId}) at ${table.generatedAt}.`,
    ` * Every entry is the variant the critic accepted (verified and confirmed against the incumbent) on its device.`,
    ` * Build-time selection: compile with -D<device macro> (listed below) to get that device's parameters as macros.`,
    ` * Run-time selection: look the device name up in ${name}_dispatch_table (terminated by a NULL device). */`,
  ];
  for (const [device, reason] of Object.entries(table.excluded)) out.push(`/* ${device}: left out (${reason}). */`);
  out.push(`#ifndef ${guard}`, `#define ${guard}`, "", `#define ${name.toUpperCase()}_DISPATCH_COUNT ${entries.length}`, "");
  entries.forEach(([device, d], i) => {
    out.push(`${i === 0 ? "#if" : "#elif"} defined(${d.macro})`);
    out.push(`/* ${device}: median ${fmtValue(d.medianMs)} ms, 95% CI [${fmtValue(d.ci95Ms[0])}, ${fmtValue(d.ci95Ms[1])}] ms${d.measurement ? ` (${d.measurement})` : ""}, variant ${d.variantHash} (${d.origin}) */`);
    if (d.speedup !== undefined && d.speedupCi95 !== undefined) {
      out.push(`/* ${device}: ${d.speedup.toFixed(2)}x over the baseline's ${fmtValue(d.baselineMs!)} ms (95% interval ${d.speedupCi95[0].toFixed(2)}x to ${d.speedupCi95[1].toFixed(2)}x) */`);
    }
    if (d.sourceFile) out.push(`/* This variant is a rewrite: build ${d.sourceFile} (beside this header) instead of the template. */`);
    for (const p of table.parameters) out.push(`#define ${p} ${String(d.params[p])}`);
  });
  if (entries.length > 0) out.push("#endif", "");
  out.push("typedef struct {", "  const char *device;");
  for (const p of table.parameters) out.push(`  ${types.get(p)} tuned_${p};`);
  out.push("  double median_ms;", `} ${name}_dispatch_entry;`, "");
  out.push(`static const ${name}_dispatch_entry ${name}_dispatch_table[] = {`);
  for (const [device, d] of entries) {
    const fields = [cLiteral(device, "const char *"), ...table.parameters.map((p) => cLiteral(d.params[p]!, types.get(p)!)), String(d.medianMs)];
    out.push(`  { ${fields.join(", ")} },`);
  }
  out.push("  { 0 }", "};", "", `#endif /* ${guard} */`, "");
  return out.join("\n");
}

export interface DispatchFiles {
  headerPath: string;
  jsonPath: string;
  sourcePaths: string[];
}

/** Writes a dispatch's header, its JSON and the sources of its rewrites into `outDir` (single-size and per-size alike). */
export function writeDispatchFiles(outDir: string, spec: string, header: string, table: unknown, sources: ReadonlyArray<{ file: string; text: string }>): DispatchFiles {
  makeOutDir(outDir);
  const headerPath = join(outDir, `${spec}_dispatch.h`);
  const jsonPath = join(outDir, `${spec}_dispatch.json`);
  writeOutFile(outDir, headerPath, header);
  writeOutFile(outDir, jsonPath, JSON.stringify(table, null, 2) + "\n");
  const sourcePaths = sources.map(({ file, text }) => {
    const path = join(outDir, file);
    writeOutFile(outDir, path, text);
    return path;
  });
  return { headerPath, jsonPath, sourcePaths };
}

export function writeDispatch(outDir: string, input: DispatchInput): DispatchFiles {
  const table = dispatchTable(input);
  const sources = Object.values(table.devices).flatMap((d) => (d.sourceFile ? [{ file: d.sourceFile, text: input.sources.get(d.variantHash)! }] : []));
  return writeDispatchFiles(outDir, table.spec, dispatchHeader(table), table, sources);
}
