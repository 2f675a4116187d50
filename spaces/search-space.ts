// Search spaces: the cross product of parameter values, pruned by restrictions written in the expression
// language (core/expr.ts). Restrictions are checked as soon as every variable they read is assigned, so
// enumeration never walks the full cross product of a heavily restricted space.

import { expectedReceived, fail } from "../core/errors.ts";
import { compileExpr, type CompiledExpr, type ExprValue } from "../core/expr.ts";
import type { KernelSpec, Params, ParamValue } from "../specs/schema.ts";
import type { SearchSpace, SpaceParameter } from "./types.ts";

/** Canonical key: values in parameter order joined by commas (the Kernel Tuner cache key). */
export function configKey(parameters: readonly SpaceParameter[], config: Params): string {
  let key = "";
  for (let i = 0; i < parameters.length; i++) {
    const p = parameters[i]!;
    const v = config[p.name];
    if (v === undefined) fail("PARAMS_INVALID", expectedReceived(`configuration key`, `a value for parameter "${p.name}"`, config));
    key += i === 0 ? String(v) : `,${String(v)}`;
  }
  return key;
}

export function spaceFromParameters(
  params: readonly SpaceParameter[],
  restrictions: readonly string[],
  constants: Readonly<Record<string, number>> = {},
): SearchSpace {
  const names = params.map((p) => p.name);
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) fail("SPACE_INVALID", `search space: parameter "${p.name}" appears twice`);
    seen.add(p.name);
    if (p.values.length === 0) fail("SPACE_INVALID", expectedReceived(`search space parameter "${p.name}"`, "at least one value", p.values));
  }
  const known = [...names, ...Object.keys(constants)];
  const compiled: CompiledExpr[] = restrictions.map((r, i) => compileExpr(r, known, `restrictions[${i}]`));
  // Each restriction is checked right after the last parameter it reads has been assigned.
  const checksAt: CompiledExpr[][] = params.map(() => []);
  const constantChecks: CompiledExpr[] = [];
  for (const expr of compiled) {
    const last = Math.max(-1, ...expr.variables.map((v) => names.indexOf(v)));
    if (last < 0) constantChecks.push(expr);
    else checksAt[last]!.push(expr);
  }
  const valueSets = params.map((p) => new Set<ParamValue>(p.values));
  let cache: Params[] | undefined;

  const space: SearchSpace = {
    parameters: params,
    isValid(config: Params): boolean {
      const env: Record<string, ExprValue> = { ...constants };
      for (let i = 0; i < params.length; i++) {
        const v = config[params[i]!.name];
        if (v === undefined || !valueSets[i]!.has(v)) return false;
        env[params[i]!.name] = v;
      }
      return compiled.every((e) => e.evaluateBool(env));
    },
    key: (config: Params) => configKey(params, config),
    validConfigs(): readonly Params[] {
      if (cache) return cache;
      const out: Params[] = [];
      const env: Record<string, ExprValue> = { ...constants };
      if (constantChecks.every((e) => e.evaluateBool(env))) {
        const walk = (i: number): void => {
          if (i === params.length) {
            const config: Params = {};
            for (const name of names) config[name] = env[name] as ParamValue;
            out.push(config);
            return;
          }
          const p = params[i]!;
          for (const v of p.values) {
            env[p.name] = v;
            if (checksAt[i]!.every((e) => e.evaluateBool(env))) walk(i + 1);
          }
          delete env[p.name];
        };
        walk(0);
      }
      cache = out;
      return out;
    },
  };
  return space;
}

export function spaceFromSpec(spec: KernelSpec): SearchSpace {
  const params = Object.entries(spec.parameters).map(([name, values]) => ({ name, values }));
  return spaceFromParameters(params, [...spec.restrictions, ...spec.tuneRestrictions], spec.problem.tune);
}

/**
 * A space whose valid configurations are exactly a given list (for example every configuration a
 * brute-force cache file holds), optionally also filtered by restrictions.
 */
export function spaceFromConfigs(params: readonly SpaceParameter[], configs: readonly Params[], restrictions: readonly string[] = []): SearchSpace {
  const base = spaceFromParameters(params, restrictions);
  const keys = new Set<string>();
  const list: Params[] = [];
  for (const c of configs) {
    const k = base.key(c);
    if (keys.has(k) || !base.isValid(c)) continue;
    keys.add(k);
    list.push(c);
  }
  return {
    parameters: params,
    isValid: (config) => base.isValid(config) && keys.has(base.key(config)),
    key: base.key,
    validConfigs: () => list,
  };
}
