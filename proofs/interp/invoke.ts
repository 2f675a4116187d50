// Calling a compiled function: a fresh frame, parameters bound (into memory when their address is taken),
// restrict scopes opened for restrict-qualified pointer parameters, and everything released on return.

import { alignOf, sizeOf, typeToString } from "../c/types.ts";
import { storeAt } from "./access.ts";
import { compileFunction } from "./compile-function.ts";
import { Frame, RETURN, type CompiledFunction, type FunctionEntry, type ProgramInfo } from "./context.ts";
import { unproven, type At } from "./findings.ts";
import { newObject, Ptr } from "./memory.ts";
import { rt, step } from "./runtime.ts";
import { elementSize } from "./compile-expr.ts";

const MAX_DEPTH = 200;

export function compiled(prog: ProgramInfo, entry: FunctionEntry): CompiledFunction {
  return entry.compiled ?? (entry.compiled = compileFunction(prog, entry));
}

/** Ends the lifetime of locals and restrict scopes opened since the given marks. */
export function release(f: Frame, locals: number, restricts: number): void {
  for (let k = f.locals.length - 1; k >= locals; k--) f.locals[k]!.dead = true;
  f.locals.length = locals;
  for (let k = f.restricts.length - 1; k >= restricts; k--) {
    const { obj, tag } = f.restricts[k]!;
    const list = obj.restrict!;
    const i = list.findIndex((s) => s.tag === tag);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) obj.restrict = null;
  }
  f.restricts.length = restricts;
}

/** A pointer value based on a new restrict scope for the block that declares `name`. */
export function restrictPointer(f: Frame, p: Ptr, name: string): Ptr {
  if (p.obj === null) return p;
  const tag = rt.nextRestrictTag++;
  (p.obj.restrict ??= []).push({ tag, name, via: false, other: false, written: false });
  f.restricts.push({ obj: p.obj, tag });
  return new Ptr(p.obj, p.off, p.tags === null ? [tag] : [...p.tags, tag]);
}

/**
 * Binds arguments to parameters. `restrict` is false for the kernel's own entry: the harness passes
 * distinct buffers and nothing else points into them, so those restrict promises hold by construction.
 */
export function bindParams(fn: CompiledFunction, f: Frame, values: readonly unknown[], at: At, restrict: boolean): void {
  fn.params.forEach((p, k) => {
    let v = values[k];
    if (restrict && p.restrict && v instanceof Ptr) v = restrictPointer(f, v, p.name);
    if (!p.memory) {
      f.s[p.slot] = v;
      return;
    }
    const size = sizeOf(p.type);
    if (size === undefined) unproven(`parameter ${p.name} of type ${typeToString(p.type)}`, at);
    const obj = newObject(p.name, size!, alignOf(p.type), "local", false, elementSize(p.type));
    f.locals.push(obj);
    const base = new Ptr(obj, 0, null);
    storeAt(p.type, at)(base, v);
    f.s[p.slot] = base;
  });
}

function enter(at: At): void {
  step(at);
  if (++rt.depth > MAX_DEPTH) unproven(`recursion deeper than ${MAX_DEPTH} calls`, at);
}

function leave(fn: CompiledFunction, f: Frame, code: number, at: At): unknown {
  release(f, 0, 0);
  rt.depth--;
  if (fn.type.ret.k !== "void" && code !== RETURN) return unproven(`${fn.name} reaches its end without returning a value`, at);
  return f.ret;
}

export function invoke(prog: ProgramInfo, entry: FunctionEntry, values: readonly unknown[], at: At, restrict = true): unknown {
  const fn = compiled(prog, entry);
  enter(at);
  const f = new Frame(fn.nslots);
  bindParams(fn, f, values, at, restrict);
  return leave(fn, f, fn.body(f), at);
}

/** The same for a function that waits at barriers: a coroutine that yields at each __syncthreads. */
export function* invokeGen(prog: ProgramInfo, entry: FunctionEntry, values: readonly unknown[], at: At, restrict = true): Generator<At, unknown, void> {
  const fn = compiled(prog, entry);
  // Threads interleave at barriers, so the global call depth cannot count these frames; the step budget
  // bounds recursion through barrier functions instead.
  step(at);
  const f = new Frame(fn.nslots);
  bindParams(fn, f, values, at, restrict);
  const code = yield* fn.gen!(f);
  release(f, 0, 0);
  if (fn.type.ret.k !== "void" && code !== RETURN) return unproven(`${fn.name} reaches its end without returning a value`, at);
  return f.ret;
}
