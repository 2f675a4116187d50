// T1 tuning-problem files (the autotuning community's common input format): TuningParameters whose Values are
// Python list expressions such as "[16, 32]", "[32 * i for i in range(1, 32)]" or "[1] + [2 * i for i in range(1, 11)]",
// and Conditions whose Expression is a Python boolean expression.

import { expectedReceived, fail } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import type { ParamValue } from "../specs/schema.ts";
import { isRecord, readJsonFile } from "./read-json.ts";
import type { SpaceParameter } from "./types.ts";

export interface T1Problem {
  name: string;
  kernelName?: string;
  parameters: SpaceParameter[];
  restrictions: string[];
}

export function loadT1(file: string): T1Problem {
  return parseT1(readJsonFile(file), file);
}

export function parseT1(raw: unknown, file: string): T1Problem {
  const space = isRecord(raw) ? raw.ConfigurationSpace : undefined;
  if (!isRecord(space) || !Array.isArray(space.TuningParameters)) {
    fail("SPACE_INVALID", expectedReceived(file, "a T1 file with ConfigurationSpace.TuningParameters", raw));
  }
  const parameters = space.TuningParameters.map((p, i): SpaceParameter => {
    const where = `${file}: TuningParameters[${i}]`;
    if (!isRecord(p) || typeof p.Name !== "string") fail("SPACE_INVALID", expectedReceived(where, "an object with Name and Values", p));
    const values = Array.isArray(p.Values) ? (p.Values as unknown[]).map((v) => toParamValue(v, where)) : parseValueList(String(p.Values), `${where}.Values`);
    if (values.length === 0) fail("SPACE_INVALID", expectedReceived(`${where}.Values`, "at least one value", p.Values));
    return { name: p.Name, values };
  });
  const conditions = Array.isArray(space.Conditions) ? space.Conditions : [];
  const restrictions = conditions.map((c, i) => {
    if (!isRecord(c) || typeof c.Expression !== "string") fail("SPACE_INVALID", expectedReceived(`${file}: Conditions[${i}]`, "an object with an Expression string", c));
    return c.Expression;
  });
  const general = isRecord(raw) && isRecord(raw.General) ? raw.General : {};
  const kernel = isRecord(raw) && isRecord(raw.KernelSpecification) ? raw.KernelSpecification : {};
  const problem: T1Problem = {
    name: typeof general.BenchmarkName === "string" ? general.BenchmarkName : file,
    parameters,
    restrictions,
  };
  if (typeof kernel.KernelName === "string") problem.kernelName = kernel.KernelName;
  return problem;
}

function toParamValue(v: unknown, where: string): ParamValue {
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return fail("SPACE_INVALID", expectedReceived(where, "a number or string value", v));
}

/** Splits on a separator at bracket depth zero (outside strings). */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
    }
  }
  parts.push(text.slice(start));
  return parts.map((s) => s.trim());
}

/** A Python list expression: literals, `[expr for v in range(...)]`, joined by `+`. */
export function parseValueList(text: string, where: string): ParamValue[] {
  const out: ParamValue[] = [];
  for (const part of splitTopLevel(text.trim(), "+")) {
    if (!part.startsWith("[") || !part.endsWith("]")) fail("SPACE_INVALID", expectedReceived(where, "a Python list such as [1, 2] or [2 * i for i in range(1, 5)]", text));
    const body = part.slice(1, -1).trim();
    if (body === "") continue;
    const comp = /^(.*)\sfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+range\((.*)\)$/s.exec(body);
    if (comp) {
      const [, exprText, variable, rangeText] = comp;
      const bounds = splitTopLevel(rangeText!, ",").map((b) => compileExpr(b, [], where).evaluateNumber({}));
      const [start, stop, step] = bounds.length === 1 ? [0, bounds[0]!, 1] : [bounds[0]!, bounds[1]!, bounds[2] ?? 1];
      if (step === 0 || bounds.length > 3) fail("SPACE_INVALID", expectedReceived(where, "range(stop), range(start, stop) or range(start, stop, step) with step != 0", rangeText));
      const expr = compileExpr(exprText!.trim(), [variable!], where);
      for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(toParamValue(expr.evaluate({ [variable!]: v }), where));
    } else {
      for (const item of splitTopLevel(body, ",")) if (item !== "") out.push(toParamValue(compileExpr(item, [], where).evaluate({}), where));
    }
  }
  return out;
}
