// Loads and validates a kernel spec folder. Every problem is reported as one clear error that names
// the field, what was expected and what was received; nothing is built or run for an invalid spec.

import { createHash } from "node:crypto";
import { existsSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { describeValue, fail } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import { describePath, FILE_KINDS, readFileOrFail } from "../core/read-file.ts";
import { parseStrictJson } from "../core/strict-json.ts";
import { formatZodIssue } from "../core/zod-issue.ts";
import { checkSpecAtEverySize } from "./check-sizes.ts";
import { kernelSpecSchema, type KernelSpec, type KernelSpecFile } from "./schema.ts";

export const SPEC_FILE = "kernel.json";

function insideFolder(dir: string, file: string, field: string): string {
  if (isAbsolute(file)) fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received the absolute path ${describePath(file)}`);
  const full = resolve(dir, file);
  const rel = relative(dir, full);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received ${describePath(file)}, which escapes it`);
  }
  if (!existsSync(full)) fail("SPEC_INVALID", `${field}: expected an existing file in ${describePath(dir)}, received ${describePath(file)}, which does not exist`);
  // A symbolic link may not lead out of the folder either.
  const real = relative(realpathSync(dir), realpathSync(full));
  if (real.startsWith("..") || isAbsolute(real)) {
    fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received ${describePath(file)}, which links outside it`);
  }
  return full;
}

/** Cross-field checks the schema cannot express. */
export function checkSpecSemantics(spec: KernelSpecFile): void {
  const sizeVars = Object.keys(spec.problem.tune);
  const paramNames = Object.keys(spec.parameters);
  for (const clash of paramNames.filter((p) => sizeVars.includes(p))) {
    fail("SPEC_INVALID", `parameters.${clash}: expected a name different from the problem-size variables, received "${clash}", which is both`);
  }
  spec.problem.verify.forEach((size, i) => {
    const keys = Object.keys(size).sort().join(",");
    if (keys !== [...sizeVars].sort().join(",")) {
      fail("SPEC_INVALID", `problem.verify[${i}]: expected the variables {${sizeVars.join(", ")}}, received {${Object.keys(size).join(", ")}}`);
    }
  });
  const argNames = new Set<string>();
  spec.arguments.forEach((arg, i) => {
    if (argNames.has(arg.name)) fail("SPEC_INVALID", `arguments[${i}].name: expected a unique name, received "${arg.name}" twice`);
    argNames.add(arg.name);
    if (arg.kind === "buffer") compileExpr(arg.length, sizeVars, `arguments[${i}].length`);
    else compileExpr(arg.value, sizeVars, `arguments[${i}].value`);
  });
  if (!spec.arguments.some((a) => a.kind === "buffer" && a.intent !== "in")) {
    fail("SPEC_INVALID", `arguments: expected at least one buffer with intent "out" or "inout", received none`);
  }
  const restrictionVars = [...paramNames, ...sizeVars];
  spec.restrictions.forEach((r, i) => compileExpr(r, restrictionVars, `restrictions[${i}]`));
  spec.tuneRestrictions.forEach((r, i) => compileExpr(r, restrictionVars, `tuneRestrictions[${i}]`));
  compileExpr(spec.bytes, restrictionVars, "bytes");
  compileExpr(spec.flops, restrictionVars, "flops");
  for (const [name, value] of Object.entries(spec.baseline)) {
    const values = spec.parameters[name];
    if (!values) fail("SPEC_INVALID", `baseline.${name}: expected one of the parameters {${paramNames.join(", ")}}, received "${name}"`);
    if (!values.includes(value)) fail("SPEC_INVALID", `baseline.${name}: expected one of ${describeValue(values)}, received ${describeValue(value)}`);
  }
  const missing = paramNames.filter((p) => !(p in spec.baseline));
  if (missing.length > 0) fail("SPEC_INVALID", `baseline: expected a value for every parameter, received none for ${missing.join(", ")}`);
  for (const [name, byValue] of Object.entries(spec.build.flagsByParameter)) {
    const values = spec.parameters[name];
    if (!values) fail("SPEC_INVALID", `build.flagsByParameter.${name}: expected one of the parameters {${paramNames.join(", ")}}, received "${name}"`);
    for (const key of Object.keys(byValue)) {
      if (!values.map(String).includes(key)) {
        fail("SPEC_INVALID", `build.flagsByParameter.${name}.${key}: expected a value of ${name} (${values.join(", ")}), received "${key}"`);
      }
    }
  }
  if (spec.language === "cuda" && !spec.launch) fail("SPEC_INVALID", `launch: expected grid and block expressions for a CUDA kernel, received nothing`);
  if (spec.launch) {
    const vars = restrictionVars;
    spec.launch.grid.forEach((e, i) => compileExpr(e, vars, `launch.grid[${i}]`));
    spec.launch.block.forEach((e, i) => compileExpr(e, vars, `launch.block[${i}]`));
    compileExpr(spec.launch.dynamicSharedBytes, vars, "launch.dynamicSharedBytes");
  }
}

/** Validates already-parsed JSON; `dir` is the folder relative paths resolve against. */
export function parseSpec(raw: unknown, dir: string): KernelSpec {
  const parsed = kernelSpecSchema.safeParse(raw);
  if (!parsed.success) fail("SPEC_INVALID", formatZodIssue(parsed.error, raw, "spec"));
  const spec = parsed.data;
  checkSpecSemantics(spec);
  checkSpecAtEverySize(spec);
  const templatePath = insideFolder(dir, spec.source, "source");
  const referencePath = insideFolder(dir, spec.reference.source, "reference.source");
  const templateSource = readFileOrFail(templatePath, FILE_KINDS.source, "SPEC_INVALID", "source").toString("utf8");
  const referenceSource = readFileOrFail(referencePath, FILE_KINDS.source, "SPEC_INVALID", "reference.source").toString("utf8");
  const librarySources: Record<string, string> = {};
  spec.libraryBaselines.forEach((b, i) => {
    if (b.name in librarySources) fail("SPEC_INVALID", `libraryBaselines[${i}].name: expected a name no other baseline has, received ${describeValue(b.name)} twice`);
    const path = insideFolder(dir, b.source, `libraryBaselines[${i}].source`);
    librarySources[b.name] = readFileOrFail(path, FILE_KINDS.source, "SPEC_INVALID", `libraryBaselines[${i}].source`).toString("utf8");
  });
  const id = `${spec.name}-${createHash("sha256").update(JSON.stringify(spec)).update(referenceSource).digest("hex").slice(0, 12)}`;
  return { ...spec, dir, id, templateSource, referenceSource, librarySources };
}

/** Loads `<dir>/kernel.json` (or a path to the spec file itself). */
export function loadSpec(path: string): KernelSpec {
  if (path.trim() === "") fail("SPEC_NOT_FOUND", `spec: expected a kernel spec folder or ${SPEC_FILE}, received an empty path`);
  const full = resolve(path);
  if (!existsSync(full)) fail("SPEC_NOT_FOUND", `spec: expected a kernel spec folder or ${SPEC_FILE}, received ${describePath(path)}, which does not exist`);
  const file = statSync(full).isDirectory() ? join(full, SPEC_FILE) : full;
  if (!existsSync(file)) fail("SPEC_NOT_FOUND", `spec: expected ${SPEC_FILE} in ${describePath(path)}, received a folder without it`);
  const text = readFileOrFail(file, FILE_KINDS.spec, "SPEC_INVALID", "spec").toString("utf8");
  const parsed = parseStrictJson(text, "spec");
  if (!parsed.ok) fail("SPEC_INVALID", `${parsed.field}: expected ${parsed.expected} in ${describePath(file)}, received ${parsed.received}`);
  return parseSpec(parsed.value, resolve(file, ".."));
}
