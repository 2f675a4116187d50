// Which functions may write memory that outlives their call. A call to one that does not (the x86
// intrinsics' inline wrappers, small helpers that compute a value) is only a value computation for the
// sequencing check, so expressions built from such calls are not rejected for their evaluation order.

import type { Expr, Init, Stmt } from "../c/ast.ts";
import type { FunctionEntry } from "./context.ts";

/** Builtins that change memory or allocation state (the others compute a value). */
export const WRITING_BUILTINS = new Set([
  "memcpy", "__builtin_memcpy", "memmove", "__builtin_memmove", "memset", "__builtin_memset", "malloc", "calloc", "aligned_alloc",
  "free", "posix_memalign", "abort", "exit", "_Exit", "__builtin_trap", "__builtin_abort", "__assert_fail", "__syncthreads",
]);

interface Facts {
  /** Automatic variables and parameters: assigning them changes nothing outside the call. */
  readonly locals: Set<string>;
  /** Local arrays and structs (not pointers): writing their elements stays inside the call too. */
  readonly aggregates: Set<string>;
  writes: boolean;
  readonly callees: Set<string>;
}

/** Whether a store to this lvalue stays inside the call (a local variable, or an element of a local array). */
function localTarget(target: Expr, f: Facts): boolean {
  if (target.t === "id") return f.locals.has(target.name);
  if (target.t === "member" && !target.arrow && target.object.t === "id") return f.aggregates.has(target.object.name);
  let t: Expr = target;
  while (t.t === "index") t = t.base;
  return t !== target && t.t === "id" && f.aggregates.has(t.name);
}

function expr(e: Expr, f: Facts): void {
  switch (e.t) {
    case "assign":
    case "incdec": {
      const target = e.t === "assign" ? e.target : e.operand;
      if (!localTarget(target, f)) f.writes = true;
      expr(target, f);
      if (e.t === "assign") expr(e.value, f);
      return;
    }
    case "call":
      if (e.callee.t === "id") f.callees.add(e.callee.name);
      else f.writes = true;
      e.args.forEach((a) => expr(a, f));
      return;
    case "binary":
    case "comma":
      expr(e.left, f);
      expr(e.right, f);
      return;
    case "unary":
    case "cast":
      expr(e.operand, f);
      return;
    case "cond":
      expr(e.test, f);
      expr(e.then, f);
      expr(e.else, f);
      return;
    case "index":
      expr(e.base, f);
      expr(e.index, f);
      return;
    case "member":
      expr(e.object, f);
      return;
    case "compound":
      init(e.init, f);
      return;
    default:
      return;
  }
}

function init(i: Init, f: Facts): void {
  if (i.t === "expr") expr(i.expr, f);
  else i.items.forEach((it) => init(it.init, f));
}

function stmt(s: Stmt, f: Facts): void {
  switch (s.t) {
    case "block":
      s.items.forEach((x) => stmt(x, f));
      return;
    case "decl":
      for (const d of s.decls) {
        if (d.storage === "static" || d.storage === "extern" || d.cuda.shared) {
          // Static and shared objects outlive the call: a write to them is a write to memory.
          if (d.init) f.writes = true;
          continue;
        }
        if (d.init) init(d.init, f);
      }
      return;
    case "expr":
      expr(s.expr, f);
      return;
    case "if":
      expr(s.test, f);
      stmt(s.then, f);
      if (s.else) stmt(s.else, f);
      return;
    case "for":
      if (s.init) stmt(s.init, f);
      if (s.test) expr(s.test, f);
      if (s.step) expr(s.step, f);
      stmt(s.body, f);
      return;
    case "while":
    case "do":
    case "switch":
      expr(s.test, f);
      stmt(s.body, f);
      return;
    case "return":
      if (s.value) expr(s.value, f);
      return;
    case "case":
    case "default":
      stmt(s.body, f);
      return;
    case "pragma":
      if (s.body) stmt(s.body, f);
      return;
    case "unsupported":
      f.writes = true;
      return;
    default:
      return;
  }
}

/** Names declared in the body: automatic ones, and those declared only ever as local arrays or structs. */
function declarations(s: Stmt, locals: Set<string>, aggregates: Set<string>, other: Set<string>): void {
  switch (s.t) {
    case "block":
      s.items.forEach((x) => declarations(x, locals, aggregates, other));
      return;
    case "decl":
      for (const d of s.decls) {
        if (d.storage === "static" || d.storage === "extern" || d.cuda.shared || d.storage === "typedef") {
          other.add(d.name);
          continue;
        }
        locals.add(d.name);
        if (d.type.k === "array" || d.type.k === "struct") aggregates.add(d.name);
        else other.add(d.name);
      }
      return;
    case "if":
      declarations(s.then, locals, aggregates, other);
      if (s.else) declarations(s.else, locals, aggregates, other);
      return;
    case "for":
      if (s.init) declarations(s.init, locals, aggregates, other);
      declarations(s.body, locals, aggregates, other);
      return;
    case "while":
    case "do":
    case "switch":
    case "case":
    case "default":
      declarations(s.body, locals, aggregates, other);
      return;
    case "pragma":
      if (s.body) declarations(s.body, locals, aggregates, other);
      return;
    default:
      return;
  }
}

/**
 * Sets writesMemory on every function (a fixpoint over the call graph). A call to a function with no body
 * here fails when it is reached, so it writes nothing the proof would see; it is not counted.
 */
export function markMemoryWriters(functions: Map<string, FunctionEntry[]>, isPureBuiltin: (name: string) => boolean): void {
  const facts = new Map<FunctionEntry, Facts>();
  for (const list of functions.values()) {
    for (const entry of list) {
      const f: Facts = { locals: new Set(), aggregates: new Set(), writes: false, callees: new Set() };
      const other = new Set<string>();
      // Parameters are locals (a pointer parameter itself, not what it points to); struct parameters are copies.
      (entry.def.type.params ?? []).forEach((p, k) => {
        const name = entry.def.paramNames[k];
        if (!name) return;
        f.locals.add(name);
        if (p.type.k === "struct") f.aggregates.add(name);
        else other.add(name);
      });
      declarations(entry.def.body, f.locals, f.aggregates, other);
      // A name also declared as something else somewhere (shadowing) is not trusted to be a local aggregate.
      for (const name of other) f.aggregates.delete(name);
      stmt(entry.def.body, f);
      facts.set(entry, f);
      entry.writesMemory = f.writes || entry.def.unsupported !== undefined;
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [entry, f] of facts) {
      if (entry.writesMemory) continue;
      for (const name of f.callees) {
        const defs = functions.get(name);
        const writes = defs ? defs.some((d) => d.writesMemory) : WRITING_BUILTINS.has(name) && !isPureBuiltin(name);
        if (writes) {
          entry.writesMemory = true;
          changed = true;
          break;
        }
      }
    }
  }
}
