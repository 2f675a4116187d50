// The generated half of every trusted C program. The programs themselves are fixed files beside this one
// (harness_main.c, compare_main.c, ns_common.h, ns_host.h, ns_clock.h; cuda/cuda_host_main.c, cuda_layer.cu);
// what varies per variant is generated here: ns_plan.h (the case tables, timing settings and tolerances) and
// ns_call.h (the prototype of the kernel or reference and its call through the harness's buffers), shared
// by the C and the CUDA harness so that a fix to one reaches both.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../../core/errors.ts";
import { DTYPE_C, DTYPES, type Dtype } from "../../specs/schema.ts";
import { encodeValues, givenInputFile } from "../given-inputs.ts";
import { DISTRIBUTION_CODES, FILES, type HarnessPlan } from "../plan.ts";

export const DTYPE_CODES: Record<Dtype, number> = { float32: 0, float64: 1, int32: 2, int64: 3, uint8: 4, uint32: 5 };
const INTENT_CODES = { in: 0, out: 1, inout: 2 } as const;
const ROLE_CODES = { verify: 0, timing_a: 1, timing_b: 2 } as const;

/** A finite number as a C double literal. */
export function cDouble(value: number, where: string): string {
  if (!Number.isFinite(value)) fail("SPEC_INVALID", `${where}: expected a finite number, received ${value}`);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** C tables describing buffers and cases; array sizes are at least 1 because C has no empty arrays. */
function tables(plan: HarnessPlan): string {
  const nb = plan.buffers.length;
  const ns = Math.max(1, plan.scalars.length);
  const list = (items: Array<string | number>) => `{ ${items.join(", ")} }`;
  const caseRows = (row: (c: HarnessPlan["cases"][number]) => string) => plan.cases.map(row).join(",\n  ");
  return `#define NS_NBUF ${nb}
#define NS_NCASES ${plan.cases.length}
static const char* const ns_buf_name[NS_NBUF] = ${list(plan.buffers.map((b) => JSON.stringify(b.name)))};
static const int ns_buf_dtype[NS_NBUF] = ${list(plan.buffers.map((b) => DTYPE_CODES[b.dtype]))};
static const int ns_buf_intent[NS_NBUF] = ${list(plan.buffers.map((b) => INTENT_CODES[b.intent]))};
static const int ns_buf_dist[NS_NBUF] = ${list(plan.buffers.map((b) => (b.distribution === "mixed" ? -1 : DISTRIBUTION_CODES[b.distribution])))};
static const int ns_buf_has_range[NS_NBUF] = ${list(plan.buffers.map((b) => (b.range ? 1 : 0)))};
static const double ns_buf_lo[NS_NBUF] = ${list(plan.buffers.map((b) => cDouble(b.range?.[0] ?? 0, `arguments.${b.name}.range`)))};
static const double ns_buf_hi[NS_NBUF] = ${list(plan.buffers.map((b) => cDouble(b.range?.[1] ?? 0, `arguments.${b.name}.range`)))};
static const int ns_case_role[NS_NCASES] = ${list(plan.cases.map((c) => ROLE_CODES[c.role]))};
static const int ns_case_dist[NS_NCASES] = ${list(plan.cases.map((c) => DISTRIBUTION_CODES[c.distribution]))};
static const char* const ns_case_dist_name[NS_NCASES] = ${list(plan.cases.map((c) => JSON.stringify(c.label)))};
static const int ns_case_given[NS_NCASES] = ${list(plan.cases.map((c) => (c.given ? 1 : 0)))};
static const size_t ns_case_len[NS_NCASES][NS_NBUF] = {
  ${caseRows((c) => list(c.lengths.map((l) => `${l}ull`)))}
};
static const double ns_case_scalar[NS_NCASES][${ns}] = {
  ${caseRows((c) => list(c.scalarValues.length > 0 ? c.scalarValues.map((v, i) => cDouble(v, `arguments.${plan.scalars[i]!.name}.value`)) : ["0.0"]))}
};
`;
}

/**
 * The function's parameter list in the spec's call order, and the matching arguments cast from the
 * harness's `void** bufs` and `const double* scalars`: the kernel must be declared and called exactly as
 * the spec says, whichever harness calls it.
 */
export function callLists(plan: HarnessPlan): { params: string; args: string } {
  const params: string[] = [];
  const args: string[] = [];
  for (const slot of plan.callOrder) {
    if (slot.kind === "buffer") {
      const b = plan.buffers[slot.index]!;
      const ctype = DTYPE_C[b.dtype];
      params.push(`${b.intent === "in" ? "const " : ""}${ctype}* ${b.name}`);
      args.push(`(${ctype}*)bufs[${slot.index}]`);
    } else {
      const s = plan.scalars[slot.index]!;
      const ctype = DTYPE_C[s.dtype];
      params.push(`${ctype} ${s.name}`);
      args.push(`(${ctype})scalars[${slot.index}]`);
    }
  }
  return { params: params.join(", "), args: args.join(", ") };
}

/** The prototype and a call through void pointers and the case's scalar row, for the kernel or the reference. */
export function callFunction(plan: HarnessPlan, functionName: string, wrapperName: string): string {
  const { params, args } = callLists(plan);
  return `void ${functionName}(${params});
static void ${wrapperName}(void** bufs, const double* scalars) {
  (void)scalars;
  ${functionName}(${args});
}
`;
}

/** A fixed C file of the trusted runtime (read once; they are part of nightshift, not generated). */
const runtimeFiles = new Map<string, string>();
export function runtimeFile(relativePath: string): string {
  let text = runtimeFiles.get(relativePath);
  if (text === undefined) {
    text = readFileSync(join(import.meta.dirname, "..", relativePath), "utf8");
    runtimeFiles.set(relativePath, text);
  }
  return text;
}

/** The headers every trusted C program includes, as staged files. */
export function commonRuntimeFiles(): Record<string, string> {
  return Object.fromEntries(["ns_common.h", "ns_host.h", "ns_progress.h", "ns_clock.h"].map((name) => [name, runtimeFile(`c/${name}`)]));
}

/**
 * ns_plan.h: the plan's tables, timing settings, tolerances and file names, plus whatever a harness adds
 * (`extra`, e.g. the CUDA exit codes). Defines _GNU_SOURCE first: it is the first thing every program includes.
 */
export function planHeader(plan: HarnessPlan, extra = ""): string {
  const rtol = DTYPES.map((d) => cDouble(plan.tolerances[d].rtol, `tolerance.${d}.rtol`)).join(", ");
  const atol = DTYPES.map((d) => cDouble(plan.tolerances[d].atol, `tolerance.${d}.atol`)).join(", ");
  return `/* Generated by nightshift for one variant's plan. */
#ifndef NS_PLAN_H
#define NS_PLAN_H
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
${tables(plan)}
#define NS_WARMUP ${plan.warmup}
#define NS_REPETITIONS ${plan.repetitions}
#define NS_FLUSH_BYTES ${plan.flushBytes}ull
#define NS_THREADS ${plan.threads}
#define NS_TIME_LIMIT_MS ${Math.round(plan.limits.variantMs)}
#define NS_MEMORY_MB ${plan.limits.memoryMb}ull
static const int ns_case_is_tune_size[NS_NCASES] = { ${tuneSizeFlags(plan).join(", ")} };
static const double ns_rtol[6] = { ${rtol} };
static const double ns_atol[6] = { ${atol} };
static const char* const NS_SAMPLES_FILE = ${JSON.stringify(FILES.samples)};
static const char* const NS_REPORT_FILE = ${JSON.stringify(FILES.harnessReport)};
static const char* const NS_PROGRESS_FILE = ${JSON.stringify(FILES.progress)};
static const char* const NS_VERDICT_FILE = ${JSON.stringify(FILES.verdict)};
${extra}#endif
`;
}

/** 1 for each case at the tuning size (the sanitizer run leaves those to the timed run). */
function tuneSizeFlags(plan: HarnessPlan): number[] {
  const tune = JSON.stringify(plan.cases.find((c) => c.role !== "verify")?.size ?? plan.cases[0]?.size);
  return plan.cases.map((c) => (JSON.stringify(c.size) === tune ? 1 : 0));
}

/** What the C worker needs beside the variant's source: its generated headers (the rest comes from the tools). */
export function cWorkerFiles(plan: HarnessPlan): Record<string, string> {
  return { [FILES.planHeader]: planHeader(plan), [FILES.callHeader]: callFunction(plan, plan.kernel, "ns_call_kernel") };
}

/**
 * The trusted directory of a variant: the spec's reference and the generated headers of the monitor and the
 * compare program, built there before the variant runs; the evidence directories the runs fill; the given
 * inputs, when the plan has them (the monitor and the compare program read them from here).
 */
export function trustedFiles(plan: HarnessPlan, referenceSource: string): Record<string, string | Buffer> {
  return {
    [FILES.referenceSource]: referenceSource,
    [FILES.planHeader]: planHeader(plan),
    [FILES.callHeader]: callFunction(plan, plan.referenceFunction, "ns_call_reference"),
    [`${FILES.evidence}/.keep`]: "",
    [`${FILES.sanitizerEvidence}/.keep`]: "",
    ...givenInputFiles(plan),
  };
}

function givenInputFiles(plan: HarnessPlan): Record<string, Buffer> {
  const given = plan.given;
  if (!given) return {};
  const files: Record<string, Buffer> = {};
  for (const b of plan.buffers) {
    if (b.intent === "out") continue;
    files[`${FILES.givenInputs}/${givenInputFile(given.case, b.name)}`] = encodeValues(b.dtype, given.values[b.name]!);
  }
  return files;
}

