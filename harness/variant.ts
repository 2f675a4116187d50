// Turning (spec, parameters, source) into a Variant with a content hash. The hash covers everything
// that changes what is built, so an identical variant is never measured twice.

import { createHash } from "node:crypto";
import { describeValue, fail, isNightshiftError } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import { FILE_KINDS, readFileOrFail } from "../core/read-file.ts";
import { verifySizeConflict } from "../specs/check-sizes.ts";
import { refusedFlag } from "../specs/compiler-flags.ts";
import type { KernelSpec, Params, ParamValue } from "../specs/schema.ts";
import { evaluateLaunch } from "./cuda/launch.ts";
import { problemWork } from "./physics.ts";
import type { Variant } from "./types.ts";

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Parses "k=v,k=v" from the command line, coercing numbers. */
export function parseParamList(text: string): Params {
  const out: Params = {};
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const eq = part.indexOf("=");
    if (eq <= 0) fail("PARAMS_INVALID", `--params: expected k=v pairs separated by commas, received ${describeValue(part)}`);
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    out[key] = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

/** Fills unspecified parameters from the baseline and checks values and restrictions. */
export function resolveParams(spec: KernelSpec, given: Params): Params {
  const names = Object.keys(spec.parameters);
  for (const key of Object.keys(given)) {
    if (!names.includes(key)) fail("PARAMS_INVALID", `params.${key}: expected one of the parameters {${names.join(", ")}}, received "${key}"`);
  }
  const params: Params = {};
  for (const name of names) {
    const value = name in given ? given[name]! : spec.baseline[name]!;
    const allowed = spec.parameters[name]!;
    const match = allowed.find((a) => a === value || String(a) === String(value));
    if (match === undefined) fail("PARAMS_INVALID", `params.${name}: expected one of ${describeValue(allowed)}, received ${describeValue(value)}`);
    params[name] = match;
  }
  const env = { ...spec.problem.tune, ...params };
  [...spec.restrictions, ...spec.tuneRestrictions].forEach((r, i) => {
    if (!compileExpr(r, null, `restrictions[${i}]`).evaluateBool(env)) {
      fail("PARAMS_INVALID", `params: expected a configuration satisfying restriction ${describeValue(r)}, received ${describeValue(params)}`);
    }
  });
  // Allowed at the tuning size but not at a verify size: the spec's verify sizes are wrong, not the variant.
  const conflict = verifySizeConflict(spec, params);
  if (conflict !== null) fail("SPEC_INVALID", conflict);
  checkDerivedValues(spec, params);
  return params;
}

/**
 * The spec's bytes and flops (and a CUDA kernel's launch at every size) evaluated for these parameters now,
 * so a configuration they do not work for is refused before it is built, not after its run is measured.
 */
function checkDerivedValues(spec: KernelSpec, params: Params): void {
  try {
    problemWork(spec, params);
    if (spec.language === "cuda") evaluateLaunch(spec, params, spec.problem.tune);
  } catch (error) {
    if (!isNightshiftError(error)) throw error;
    fail("PARAMS_INVALID", `params: expected a configuration the spec's bytes, flops and launch expressions evaluate for, received ${describeValue(params)} (${error.message})`);
  }
  if (spec.language !== "cuda") return;
  spec.problem.verify.forEach((size, i) => {
    try {
      evaluateLaunch(spec, params, size);
    } catch (error) {
      if (!isNightshiftError(error)) throw error;
      fail("SPEC_INVALID", `problem.verify[${i}]: expected a size the configuration ${describeValue(params)} can launch at, as it can at the tuning size, received ${describeValue(size)} (${error.message})`);
    }
  });
}

/** Canonical JSON (sorted keys) so equal parameter sets hash equally. */
export function canonicalParams(params: Params): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))));
}

export function variantHash(spec: KernelSpec, params: Params, source: string): string {
  return sha256([spec.id, canonicalParams(params), sha256(source), JSON.stringify(spec.build)].join("\n")).slice(0, 16);
}

export function makeVariant(
  spec: KernelSpec,
  given: Params,
  options: { source?: string; origin?: Variant["origin"]; parentHash?: string } = {},
): Variant {
  const params = resolveParams(spec, given);
  const source = options.source ?? spec.templateSource;
  const origin = options.origin ?? (options.source === undefined ? "template" : "file");
  return { hash: variantHash(spec, params, source), spec, params, source, origin, parentHash: options.parentHash };
}

export function readVariantSource(path: string): string {
  return readFileOrFail(path, FILE_KINDS.source, "SOURCE_INVALID", "--source").toString("utf8");
}

/** -DNAME=value for every parameter, in a stable order. */
export function defineFlags(params: Params): string[] {
  return Object.entries(params)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]: [string, ParamValue]) => `-D${k}=${v}`);
}

/** The spec's base flags plus any flags selected by parameter values. */
export function compilerFlags(spec: KernelSpec, params: Params): string[] {
  const flags = [...spec.build.flags];
  for (const [name, byValue] of Object.entries(spec.build.flagsByParameter)) {
    const selected = byValue[String(params[name])];
    if (selected) flags.push(...selected);
  }
  // The schema refuses these when a spec is loaded; a spec built any other way is held to the same policy.
  for (const flag of flags) if (refusedFlag(flag) !== null) fail("SPEC_INVALID", `build.flags: expected flags nightshift allows, received ${describeValue(flag)} (refused: ${refusedFlag(flag)})`);
  return flags;
}
