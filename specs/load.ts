// Loads and validates a kernel spec folder. Every problem is reported as one clear error that names
// the field, what was expected and what was received; nothing is built or run for an invalid spec.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { z } from "zod";
import { compileExpr } from "../core/expr.ts";
import { describeValue, fail } from "../core/errors.ts";
import { kernelSpecSchema, type KernelSpec, type KernelSpecFile } from "./schema.ts";

export const SPEC_FILE = "kernel.json";

/** Formats the first zod issue as "field: expected X, received Y". */
export function formatZodIssue(error: z.ZodError, root: unknown, prefix: string): string {
  const issue = error.issues[0]!;
  // Array positions read as [i], like the cross-field messages below ("arguments[0].name").
  const field = issue.path.reduce<string>((at, key) => (typeof key === "number" ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)), prefix) || prefix;
  let received: unknown = root;
  for (const key of issue.path) received = received && typeof received === "object" ? (received as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  if (issue.code === "unrecognized_keys") {
    return `${field}: expected only known fields, received unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type" && received === undefined) {
    return `${field}: expected ${issue.expected}, received nothing (the field is missing)`;
  }
  const expected =
    issue.code === "invalid_type"
      ? issue.expected
      : issue.message
          .replace(/^Invalid (input|option): (expected )?/, "")
          .replace(/^Invalid discriminator value\. Expected /, "one of ");
  return `${field}: expected ${expected}, received ${describeValue(received)}`;
}

function insideFolder(dir: string, file: string, field: string): string {
  if (isAbsolute(file)) fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received the absolute path ${JSON.stringify(file)}`);
  const full = resolve(dir, file);
  const rel = relative(dir, full);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received ${JSON.stringify(file)}, which escapes it`);
  }
  if (!existsSync(full)) fail("SPEC_INVALID", `${field}: expected an existing file in ${dir}, received ${JSON.stringify(file)}, which does not exist`);
  // A symbolic link may not lead out of the folder either.
  const real = relative(realpathSync(dir), realpathSync(full));
  if (real.startsWith("..") || isAbsolute(real)) {
    fail("SPEC_INVALID", `${field}: expected a path inside the spec folder, received ${JSON.stringify(file)}, which links outside it`);
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
  const templatePath = insideFolder(dir, spec.source, "source");
  const referencePath = insideFolder(dir, spec.reference.source, "reference.source");
  const templateSource = readFileSync(templatePath, "utf8");
  const referenceSource = readFileSync(referencePath, "utf8");
  const id = `${spec.name}-${createHash("sha256").update(JSON.stringify(spec)).update(referenceSource).digest("hex").slice(0, 12)}`;
  return { ...spec, dir, id, templateSource, referenceSource };
}

/** Loads `<dir>/kernel.json` (or a path to the spec file itself). */
export function loadSpec(path: string): KernelSpec {
  const full = resolve(path);
  if (!existsSync(full)) fail("SPEC_NOT_FOUND", `spec: expected a kernel spec folder or ${SPEC_FILE}, received ${JSON.stringify(path)}, which does not exist`);
  const file = statSync(full).isDirectory() ? join(full, SPEC_FILE) : full;
  if (!existsSync(file)) fail("SPEC_NOT_FOUND", `spec: expected ${SPEC_FILE} in ${JSON.stringify(path)}, received a folder without it`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail("SPEC_INVALID", `spec: expected valid JSON in ${file}, received text that does not parse (${(error as Error).message})`);
  }
  return parseSpec(raw, resolve(file, ".."));
}
