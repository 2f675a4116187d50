// C leaves the order of side effects inside one full expression unsequenced (`a[i] = i++` is undefined) or
// indeterminately sequenced (two calls), and a compiler may pick any order. The interpreter evaluates left
// to right, so it may only do so where the order cannot matter. This check is deliberately conservative:
// an expression it rejects is reported unproven, never interpreted with a guessed order.

import type { Expr } from "../c/ast.ts";
import type { ProgramInfo, Scope } from "./context.ts";
import { WRITING_BUILTINS } from "./effects.ts";

export function isPureBuiltin(name: string): boolean {
  return PURE_CALLS.has(name);
}

/** Builtins without side effects (a call to one is just a value computation). */
const PURE_CALLS = new Set([
  "fmaf", "fma", "fmal", "__builtin_fmaf", "__builtin_fma", "__fmaf_rn", "__fma_rn", "__fadd_rn", "__fmul_rn", "__fsub_rn",
  "fabsf", "fabs", "__builtin_fabsf", "__builtin_fabs", "fminf", "fmaxf", "fmin", "fmax", "min", "max", "abs", "labs", "llabs",
  "make_float2", "make_float3", "make_float4", "make_int2", "make_int4", "make_double2", "__ldg", "__builtin_expect",
  "__builtin_assume_aligned", "__builtin_prefetch", "sqrtf", "sqrt", "expf", "exp",
]);
/** Pure builtins that read memory through a pointer argument. */
const READING_CALLS = new Set(["__ldg"]);

interface Effect {
  readonly kind: "reg" | "mem" | "call";
  readonly node: Expr;
  readonly name?: string;
  /** Nodes whose reads of the effect's own variable are sequenced before it (an assignment's right side). */
  readonly allowed?: Expr;
}

interface Facts {
  effects: Effect[];
  /** Register variable occurrences. */
  regUses: { name: string; node: Expr }[];
  memReads: Expr[];
}

function isRegister(scope: Scope, name: string): boolean {
  return scope.lookup(name)?.k === "reg";
}

function isVariable(scope: Scope, name: string): boolean {
  return scope.lookup(name) !== undefined;
}

/**
 * Whether a call only computes a value (and may read memory): a pure builtin, a function that writes
 * nothing, or a function with no body here (reaching that call fails anyway).
 */
function valueCall(name: string, scope: Scope, prog: ProgramInfo): boolean {
  if (scope.lookup(name) !== undefined) return false;
  const defs = prog.functions.get(name);
  if (defs) return defs.every((d) => !d.writesMemory);
  return PURE_CALLS.has(name) || !WRITING_BUILTINS.has(name);
}

function collect(e: Expr, scope: Scope, out: Facts, prog: ProgramInfo): void {
  switch (e.t) {
    case "id":
      if (isRegister(scope, e.name)) out.regUses.push({ name: e.name, node: e });
      else if (isVariable(scope, e.name)) out.memReads.push(e);
      return;
    case "assign":
    case "incdec": {
      const target = e.t === "assign" ? e.target : e.operand;
      if (target.t === "id" && isRegister(scope, target.name)) {
        out.effects.push({ kind: "reg", node: e, name: target.name, ...(e.t === "assign" ? { allowed: e.value } : {}) });
        out.regUses.push({ name: target.name, node: target });
      } else {
        out.effects.push({ kind: "mem", node: e });
        collectAddress(target, scope, out, prog);
      }
      if (e.t === "assign") collect(e.value, scope, out, prog);
      return;
    }
    case "call": {
      const name = e.callee.t === "id" ? e.callee.name : undefined;
      if (name === undefined || !valueCall(name, scope, prog)) out.effects.push({ kind: "call", node: e });
      // A user function that writes nothing may still read memory another effect changes.
      else if (READING_CALLS.has(name) || prog.functions.has(name)) out.memReads.push(e);
      if (e.callee.t !== "id") collect(e.callee, scope, out, prog);
      for (const a of e.args) collect(a, scope, out, prog);
      return;
    }
    case "index":
      out.memReads.push(e);
      collect(e.base, scope, out, prog);
      collect(e.index, scope, out, prog);
      return;
    case "member":
      out.memReads.push(e);
      collect(e.object, scope, out, prog);
      return;
    case "unary":
      if (e.op === "*") out.memReads.push(e);
      if (e.op === "&") {
        collectAddress(e.operand, scope, out, prog);
        return;
      }
      collect(e.operand, scope, out, prog);
      return;
    case "binary":
      collect(e.left, scope, out, prog);
      collect(e.right, scope, out, prog);
      return;
    case "comma":
      collect(e.left, scope, out, prog);
      collect(e.right, scope, out, prog);
      return;
    case "cond":
      collect(e.test, scope, out, prog);
      collect(e.then, scope, out, prog);
      collect(e.else, scope, out, prog);
      return;
    case "cast":
      collect(e.operand, scope, out, prog);
      return;
    case "sizeof":
      return;
    case "compound":
      return;
    default:
      return;
  }
}

/** The subexpressions an lvalue's location is computed from (reads, but not of the lvalue itself). */
function collectAddress(e: Expr, scope: Scope, out: Facts, prog: ProgramInfo): void {
  switch (e.t) {
    case "id":
      return;
    case "index":
      collect(e.base, scope, out, prog);
      collect(e.index, scope, out, prog);
      return;
    case "member":
      if (e.arrow) collect(e.object, scope, out, prog);
      else collectAddress(e.object, scope, out, prog);
      return;
    case "unary":
      if (e.op === "*") {
        collect(e.operand, scope, out, prog);
        return;
      }
      collect(e, scope, out, prog);
      return;
    default:
      collect(e, scope, out, prog);
  }
}

function contains(root: Expr, node: Expr): boolean {
  if (root === node) return true;
  for (const child of children(root)) if (contains(child, node)) return true;
  return false;
}

function children(e: Expr): Expr[] {
  switch (e.t) {
    case "binary":
    case "comma":
      return [e.left, e.right];
    case "assign":
      return [e.target, e.value];
    case "unary":
    case "incdec":
    case "cast":
      return [e.operand];
    case "cond":
      return [e.test, e.then, e.else];
    case "call":
      return [e.callee, ...e.args];
    case "index":
      return [e.base, e.index];
    case "member":
      return [e.object];
    default:
      return [];
  }
}

/** Why the full expression's meaning would depend on an evaluation order C does not fix, if it could. */
export function sequencingProblem(full: Expr, scope: Scope, prog: ProgramInfo): string | undefined {
  let root = full;
  while (root.t === "cast" && root.type.k === "void") root = root.operand;
  const facts: Facts = { effects: [], regUses: [], memReads: [] };
  let rootStore: Expr | null = null;
  if (root.t === "assign" && !(root.target.t === "id" && isRegister(scope, root.target.name))) {
    // The store of a top-level assignment comes after both operands are evaluated.
    rootStore = root;
    collectAddress(root.target, scope, facts, prog);
    if (root.op !== "=") facts.memReads.push(root.target);
    collect(root.value, scope, facts, prog);
  } else collect(root, scope, facts, prog);

  const seen = new Set<string>();
  for (const eff of facts.effects) {
    if (eff.kind !== "reg") continue;
    if (seen.has(eff.name!)) return `two unsequenced modifications of ${eff.name}`;
    seen.add(eff.name!);
    for (const use of facts.regUses) {
      if (use.name !== eff.name) continue;
      const own = eff.node.t === "assign" ? eff.node.target === use.node || (eff.allowed !== undefined && contains(eff.allowed, use.node)) : eff.node.t === "incdec" && eff.node.operand === use.node;
      if (!own) return `${eff.name} is modified and also read in the same expression without a sequence point`;
    }
  }
  const heavy = facts.effects.filter((x) => x.kind !== "reg");
  if (heavy.length > 1) return "two side effects on memory (or calls) in one expression, whose order C does not fix";
  if (heavy.length === 1) {
    const eff = heavy[0]!;
    const outside = facts.memReads.filter((r) => !contains(eff.node, r));
    if (eff !== undefined && eff.node !== root && outside.length > 0) return "a side effect on memory (or a call) unsequenced with a memory read in the same expression";
    if (rootStore !== null && outside.length > 0 && eff.kind === "call") return "a call unsequenced with a memory read in the same expression";
  }
  return undefined;
}
