// Declarations inside functions: register variables (scalars and vectors whose address is never taken),
// objects in memory (arrays, structs, address-taken variables, variable-length arrays), static locals,
// and CUDA __shared__ arrays.

import type { Expr, Init, VarDecl } from "../c/ast.ts";
import { alignOf, decay, isArithmetic, Q_RESTRICT, sameType, sizeOf, SIZE_T, typeToString, type CType } from "../c/types.ts";
import { compileExpr, elementSize } from "./compile-expr.ts";
import { compileInitializer } from "./compile-init.ts";
import { Frame, type Ctx, type Exec, type GlobalEntry } from "./context.ts";
import { converter, implicitlyConvertible } from "./convert.ts";
import { unproven, type At } from "./findings.ts";
import { restrictPointer } from "./invoke.ts";
import { newObject, Ptr } from "./memory.ts";
import { sequencingProblem } from "./sequencing.ts";

/** Whether a local of this type must live in memory rather than in a register slot. */
export function needsMemory(type: CType, name: string, addressTaken: ReadonlySet<string>): boolean {
  if (type.k === "array" || type.k === "struct") return true;
  return addressTaken.has(name);
}

/** A full expression, or a closure that reports why its evaluation order would be unknown. */
export function fullExpression(ctx: Ctx, e: Expr) {
  const ce = compileExpr(ctx, e);
  const problem = sequencingProblem(e, ctx.scope, ctx.prog);
  if (problem === undefined) return ce;
  const where = { line: e.line, file: e.file };
  return { ...ce, ev: () => unproven(problem, where) };
}

let staticCounter = 0;

function staticLocal(ctx: Ctx, d: VarDecl): GlobalEntry {
  const entry: GlobalEntry = { name: d.name, type: d.type, decl: d, index: -1 - staticCounter++ };
  if (d.init) {
    const init = compileInitializer(ctx, d.type, d.init);
    // Static initialisers are constant expressions: they need no frame of their own.
    entry.init = (obj) => init(new Frame(0), new Ptr(obj, 0, null));
  }
  return entry;
}

function registerInit(ctx: Ctx, type: CType, init: Init, at: At): ((f: Frame) => unknown) | string {
  let e: Expr;
  if (init.t === "expr") e = init.expr;
  else if (type.k === "vector") {
    const lanes = init.items.map((it) => (it.designators.length === 0 && it.init.t === "expr" ? fullExpression(ctx, it.init.expr) : undefined));
    if (lanes.some((l) => l === undefined) || lanes.length > type.lanes) return "a vector initialiser with designators or nesting";
    const convs = lanes.map((l) => converter(l!.type, type.of, at));
    const evs = lanes.map((l) => l!.ev);
    const zero = converter(SIZE_T, type.of, at);
    const n = type.lanes;
    return (f) => {
      const out: unknown[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const v = k < evs.length ? evs[k]!(f) : 0;
        const c = k < evs.length ? convs[k] : zero;
        out[k] = c === null || c === undefined ? v : c(v);
      }
      return out;
    };
  } else if (init.items.length === 1 && init.items[0]!.designators.length === 0 && init.items[0]!.init.t === "expr") e = init.items[0]!.init.expr;
  else return "a braced initialiser for a scalar";
  const ce = fullExpression(ctx, e);
  const isNull = ce.konst === 0 || ce.konst === 0n;
  if (!implicitlyConvertible(ce.type, type, isNull) && !(type.k === "vector" && isArithmetic(decay(ce.type)))) return `initialising ${typeToString(type)} from ${typeToString(ce.type)}`;
  if (type.k === "vector" && !sameType(decay(ce.type), type)) return `initialising ${typeToString(type)} from a scalar`;
  const conv = converter(ce.type, type, at, isNull);
  const ev = ce.ev;
  return conv === null ? ev : (f) => conv(ev(f));
}

/** Compiles one declaration; null when it only introduces a name. */
export function compileDecl(ctx: Ctx, d: VarDecl): Exec | null {
  const at: At = { line: d.line, file: d.file };
  const fn = ctx.fn!;
  if (d.unsupported) {
    const why = d.unsupported;
    return () => unproven(`the declaration of ${d.name} uses ${why}`, at);
  }
  if (d.storage === "typedef" || d.type.k === "func") return null;
  if (d.cuda.shared) {
    if (!ctx.prog.cuda) return () => unproven("__shared__ outside CUDA", at);
    const dynamic = d.storage === "extern";
    if (dynamic && !(d.type.k === "array" && d.type.len === null)) return () => unproven("extern __shared__ that is not an unsized array", at);
    ctx.scope.vars.set(d.name, { k: "shared", key: d, type: d.type, name: d.name, dynamic });
    if (d.init) return () => unproven("an initialiser on a __shared__ variable", at);
    return null;
  }
  if (d.storage === "extern") {
    const g = ctx.prog.globals.get(d.name);
    if (g) ctx.scope.vars.set(d.name, { k: "global", entry: g });
    return null;
  }
  if (d.storage === "static" || d.cuda.constant || d.cuda.device) {
    ctx.scope.vars.set(d.name, { k: "global", entry: staticLocal(ctx, d) });
    return null;
  }
  const type = d.type;
  const slot = fn.nslots++;
  const serial = fn.serial++;
  const name = d.name;
  if (!needsMemory(type, name, fn.addressTaken)) {
    ctx.scope.vars.set(name, { k: "reg", slot, type, name, serial });
    if (!d.init) {
      return (f) => {
        f.s[slot] = undefined;
        return 0;
      };
    }
    const init = registerInit(ctx, type, d.init, at);
    if (typeof init === "string") return () => unproven(init, at);
    if (type.k === "ptr" && ((type.q ?? 0) & Q_RESTRICT) !== 0) {
      return (f) => {
        const v = init(f);
        f.s[slot] = v instanceof Ptr ? restrictPointer(f, v, name) : v;
        return 0;
      };
    }
    return (f) => {
      f.s[slot] = init(f);
      return 0;
    };
  }
  ctx.scope.vars.set(name, { k: "mem", slot, type, name, serial });
  const align = alignOf(type);
  const elem = elementSize(type);
  let bytes: (f: Frame) => number;
  if (type.k === "array" && type.vla !== undefined) {
    const elemSize = sizeOf(type.of);
    if (elemSize === undefined) return () => unproven(`the variable-length array ${name} has elements of variable or incomplete size`, at);
    const len = fullExpression(ctx, type.vla as Expr);
    const lenEv = len.ev;
    bytes = (f) => {
      const n = Number(lenEv(f));
      if (!(n > 0)) return unproven(`the variable-length array ${name} has ${n} elements (undefined behaviour unless positive)`, at);
      return n * elemSize;
    };
  } else {
    const size = sizeOf(type);
    if (size === undefined) return () => unproven(`${name} has the incomplete type ${typeToString(type)}`, at);
    bytes = () => size;
  }
  const init = d.init ? compileInitializer(ctx, type, d.init) : null;
  return (f) => {
    const obj = newObject(name, bytes(f), align, "local", false, elem);
    f.locals.push(obj);
    const p = new Ptr(obj, 0, null);
    f.s[slot] = p;
    if (init !== null) init(f, p);
    return 0;
  };
}
