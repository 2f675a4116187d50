// Expressions to closures. Types are checked and conversions inserted here, once, so the closures do only
// the arithmetic and the memory checks at run time.

import type { Expr } from "../c/ast.ts";
import { findField, alignOf, commonType, decay, isArithmetic, isInteger, pointee, promote, ptrTo, sameType, sizeOf, SIZE_T, T, typeToString, unqualified, type CType, type StructType } from "../c/types.ts";
import { Poly } from "../exact/poly.ts";
import { loadAt, loadLvalue, locate, memStore, qualifierProblem, regRead, storeAt } from "./access.ts";
import { loadScalar, storeScalar } from "./memory.ts";
import { typeCode } from "../c/types.ts";
import { binaryOp, binaryValues, compareOp, logicalOp, unaryOp } from "./compile-arith.ts";
import { compileCall } from "./compile-call.ts";
import { compileInitializer } from "./compile-init.ts";
import type { CE, Ctx, Ev, Frame, GlobalEntry, Lvalue, VarInfo } from "./context.ts";
import { converter, implicitlyConvertible, truth } from "./convert.ts";
import { unproven, type At } from "./findings.ts";
import { fAdd, fFromInt } from "./floats.ts";
import { intAdd, norm, wrap, type IntV } from "./ints.ts";
import { MemObject, newObject, Ptr } from "./memory.ts";
import { rt } from "./runtime.ts";
import { cudaMember, sharedPointer } from "./cuda-state.ts";

function failing(type: CType, at: At, reason: string): CE {
  return { type, at, ev: () => unproven(reason, at) };
}

function at(e: Expr): At {
  return { line: e.line, file: e.file };
}

export function boolType(ctx: Ctx): CType {
  return ctx.prog.cuda ? T.bool : T.int;
}

/** Why writing this register variable here would be a data race (it is shared by a parallel loop). */
export function parallelGuard(ctx: Ctx, lv: Lvalue): string | null {
  if (lv.k !== "reg" || ctx.fn === null || ctx.fn.parallelFloor === null) return null;
  if (lv.serial >= ctx.fn.parallelFloor) return null;
  return `data race: the variable ${lv.name}, declared outside a parallel loop, is written inside it`;
}

export function globalPointer(entry: GlobalEntry, at: At): Ptr {
  let p = rt.perRun.get(entry) as Ptr | undefined;
  if (p === undefined) {
    const size = sizeOf(entry.type);
    if (size === undefined) return unproven(`the global ${entry.name} has an incomplete type`, at);
    const readOnly = entry.decl.cuda.constant === true;
    const obj = newObject(entry.name, size, Math.max(alignOf(entry.type), 16), "global", false, elementSize(entry.type));
    // Static storage starts as zero bytes, then the initialiser runs.
    for (let k = 0; k < size; k++) {
      obj.codes[k] = 14;
      obj.vals[k] = 0;
    }
    p = new Ptr(obj, 0, null);
    rt.perRun.set(entry, p);
    entry.init?.(obj);
    if (readOnly) (obj as { readOnly: boolean }).readOnly = true;
  }
  return p;
}

export function elementSize(t: CType): number {
  let e = t;
  while (e.k === "array") e = e.of;
  return sizeOf(e) ?? 1;
}

function variable(v: VarInfo, name: string, where: At): CE {
  switch (v.k) {
    case "reg": {
      const problem = qualifierProblem(v.type);
      const ev: Ev = problem ? () => unproven(`unsupported construct: ${problem}`, where) : regRead(v.slot, name, where);
      return { type: v.type, at: where, lv: { k: "reg", slot: v.slot, name, serial: v.serial }, ev };
    }
    case "mem": {
      const slot = v.slot;
      const lv: Lvalue = { k: "mem", addr: (f) => f.s[slot] as Ptr };
      return { type: v.type, at: where, lv, ev: loadLvalue(lv, v.type, where) };
    }
    case "global": {
      const entry = v.entry;
      const lv: Lvalue = { k: "mem", addr: () => globalPointer(entry, where) };
      return { type: entry.type, at: where, lv, ev: loadLvalue(lv, entry.type, where) };
    }
    case "shared": {
      const key = v.key;
      const type = v.type;
      const dynamic = v.dynamic;
      const lv: Lvalue = { k: "mem", addr: () => sharedPointer(key, type, name, dynamic, where) };
      return { type, at: where, lv, ev: loadLvalue(lv, type, where) };
    }
  }
}

function identifier(ctx: Ctx, name: string, where: At): CE {
  const v = ctx.scope.lookup(name);
  if (v) return variable(v, name, where);
  const g = ctx.prog.globals.get(name);
  if (g) return variable({ k: "global", entry: g }, name, where);
  const fns = ctx.prog.functions.get(name);
  const declared = ctx.prog.declared.get(name);
  if (fns || declared) return { type: fns ? fns[0]!.def.type : declared!, at: where, fn: name, ev: () => unproven(`function pointers are not supported (${name})`, where) };
  if (ctx.prog.cuda && (name === "threadIdx" || name === "blockIdx" || name === "blockDim" || name === "gridDim")) {
    return { type: T.void, at: where, cuda: name, ev: () => unproven(`${name} used as a whole`, where) };
  }
  if (ctx.prog.cuda && name === "warpSize") return { type: T.int, at: where, ev: () => 32 };
  // An undeclared name is a compile error even on a path never taken: the function as a whole is refused
  // (a variant that does not compile must not be proved).
  if (ctx.fn !== null) return unproven(`unknown identifier ${name}`, where);
  return { type: T.int, at: where, fn: name, ev: () => unproven(`unknown identifier ${name}`, where) };
}

function stringLiteral(e: Extract<Expr, { t: "str" }>): CE {
  const where = at(e);
  const type: CType = { k: "array", of: T.char, len: e.value.length + 1 };
  const addr = (): Ptr => {
    let p = rt.perRun.get(e) as Ptr | undefined;
    if (p === undefined) {
      const obj = newObject("a string literal", e.value.length + 1, 1, "string", true, 1);
      for (let k = 0; k <= e.value.length; k++) {
        obj.codes[k] = 1;
        obj.vals[k] = k < e.value.length ? ((e.value.charCodeAt(k) << 24) >> 24) : 0;
      }
      p = new Ptr(obj, 0, null);
      rt.perRun.set(e, p);
    }
    return p;
  };
  return { type, at: where, lv: { k: "mem", addr }, ev: addr };
}

/** The lvalue of element `index` of the array or pointer `base`. */
function elementLvalue(base: CE, index: CE, elem: CType): Lvalue | string {
  const size = sizeOf(elem);
  if (size === undefined) return `indexing into elements of the incomplete or variable-length type ${typeToString(elem)}`;
  const i = index.ev;
  let from: (f: Frame) => Ptr;
  let offset: ((f: Frame) => number) | null = null;
  const blv = base.lv;
  if (unqualified(base.type).k === "array" && blv && blv.k === "mem") {
    // An array's element: the same base pointer, one more offset (no pointer allocated per access).
    from = blv.base ?? blv.addr;
    offset = blv.base && blv.delta ? blv.delta : null;
  } else from = base.ev as (f: Frame) => Ptr;
  let delta: (f: Frame) => number;
  if (index.konst !== undefined) {
    const k = Number(index.konst) * size;
    delta = offset === null ? () => k : (f) => offset!(f) + k;
  } else if (offset === null) delta = (f) => Number(i(f)) * size;
  else delta = (f) => offset!(f) + Number(i(f)) * size;
  const addr = (f: Frame): Ptr => {
    const p = from(f);
    return new Ptr(p.obj, p.off + delta(f), p.tags);
  };
  return { k: "mem", addr, base: from, delta };
}

function indexExpr(ctx: Ctx, e: Extract<Expr, { t: "index" }>): CE {
  const where = at(e);
  let base = compileExpr(ctx, e.base);
  let index = compileExpr(ctx, e.index);
  if (isInteger(decay(base.type)) && decay(index.type).k === "ptr") [base, index] = [index, base];
  const bt = unqualified(base.type);
  if (bt.k === "vector") {
    if (!isInteger(decay(index.type))) return failing(bt.of, where, "a vector subscript that is not an integer");
    if (base.lv && base.lv.k === "mem") {
      const lv = elementLvalue({ ...base, type: { k: "array", of: bt.of, len: bt.lanes } }, index, bt.of);
      if (typeof lv === "string") return failing(bt.of, where, lv);
      return { type: bt.of, at: where, lv, ev: loadLvalue(lv, bt.of, where) };
    }
    const lv: Lvalue = { k: "lane", vector: base, index: index.ev };
    if (base.lv && base.lv.k === "reg") return { type: bt.of, at: where, lv, ev: loadLvalue(lv, bt.of, where) };
    return { type: bt.of, at: where, ev: loadLvalue(lv, bt.of, where) };
  }
  const elem = pointee(decay(bt));
  if (elem === undefined || !isInteger(decay(index.type))) return failing(T.int, where, `subscript of ${typeToString(bt)} by ${typeToString(index.type)}`);
  const lv = elementLvalue(base, index, elem);
  if (typeof lv === "string") return failing(elem, where, lv);
  return { type: elem, at: where, lv, ev: loadLvalue(lv, elem, where) };
}

function memberExpr(ctx: Ctx, e: Extract<Expr, { t: "member" }>): CE {
  const where = at(e);
  const object = compileExpr(ctx, e.object);
  if (object.cuda !== undefined && !e.arrow) return cudaMember(object.cuda, e.name, where);
  let st: CType | undefined = unqualified(object.type);
  if (e.arrow) st = decay(st).k === "ptr" ? (decay(st) as { to: CType }).to : undefined;
  if (st === undefined || st.k !== "struct") return failing(T.int, where, `member ${e.name} of a non-struct ${typeToString(object.type)}`);
  const s = st as StructType;
  if (s.unsupported) return failing(T.int, where, `struct ${s.tag} contains ${s.unsupported}`);
  const field = findField(s, e.name);
  if (!field) return failing(T.int, where, `struct ${s.tag} has no member ${e.name}`);
  if (field.bits !== undefined) return failing(field.type, where, `bit-field ${e.name}`);
  const off = field.offset;
  const q = object.type.q ?? 0;
  const type = q ? { ...field.type, q: (field.type.q ?? 0) | q } : field.type;
  if (e.arrow) {
    const ptr = object.ev;
    const lv: Lvalue = { k: "mem", addr: (f) => (ptr(f) as Ptr).plus(off) };
    return { type, at: where, lv, ev: loadLvalue(lv, type, where) };
  }
  if (object.lv && object.lv.k === "mem") {
    const olv = object.lv;
    const addr = olv.addr;
    const base = olv.base ?? olv.addr;
    const inner = olv.base && olv.delta ? olv.delta : null;
    const delta = inner === null ? () => off : (f: Frame) => inner(f) + off;
    const lv: Lvalue = { k: "mem", addr: (f) => addr(f).plus(off), base, delta };
    return { type, at: where, lv, ev: loadLvalue(lv, type, where) };
  }
  // A member of an aggregate rvalue (a returned or loaded struct): read it from the detached copy.
  const load = loadAt(type, where);
  const ev = object.ev;
  return { type, at: where, ev: (f) => load(new Ptr(ev(f) as MemObject, off, null)) };
}

/** Reads, modifies and writes an lvalue with its location computed once. */
function readModifyWrite(ctx: Ctx, target: CE, where: At, modify: (f: Frame, old: unknown) => unknown, returnOld: boolean): Ev {
  const lv = target.lv!;
  const guard = parallelGuard(ctx, lv);
  if (guard !== null) return () => unproven(guard, where);
  const type = unqualified(target.type);
  if (lv.k === "reg") {
    const slot = lv.slot;
    const name = lv.name;
    return (f) => {
      const old = f.s[slot];
      if (old === undefined) return unproven(`read of uninitialised variable ${name}`, where);
      const v = modify(f, old);
      f.s[slot] = v;
      return returnOld ? old : v;
    };
  }
  if (lv.k === "mem" && lv.base && lv.delta && (type.k === "int" || type.k === "float" || type.k === "ptr")) {
    const tc = typeCode(type);
    const base = lv.base;
    const delta = lv.delta;
    return (f) => {
      const p = base(f);
      const d = delta(f);
      const old = loadScalar(p, tc, where, d);
      const v = modify(f, old);
      storeScalar(p, tc, v, where, d);
      return returnOld ? old : v;
    };
  }
  if (lv.k === "mem") {
    const addr = lv.addr;
    const load = loadAt(type, where);
    const store = storeAt(type, where);
    return (f) => {
      const p = addr(f);
      const old = load(p);
      const v = modify(f, old);
      store(p, v);
      return returnOld ? old : v;
    };
  }
  const read = loadLvalue(lv, type, where);
  const write = locate(lv, type, where, null);
  return (f) => {
    const old = read(f);
    const w = write(f);
    const v = modify(f, old);
    w(v);
    return returnOld ? old : v;
  };
}

function assignExpr(ctx: Ctx, e: Extract<Expr, { t: "assign" }>): CE {
  const where = at(e);
  const target = compileExpr(ctx, e.target);
  const value = compileExpr(ctx, e.value);
  if (!target.lv) return failing(target.type, where, "assignment to something that is not an lvalue");
  const qualified = qualifierProblem(target.type);
  if (qualified) return failing(target.type, where, `unsupported construct: ${qualified}`);
  const type = unqualified(target.type);
  if (type.k === "array" || type.k === "func") return failing(type, where, `assignment to an ${type.k}`);
  if (e.op === "=") {
    if (!implicitlyConvertible(value.type, type, value.konst === 0 || value.konst === 0n)) return failing(type, where, `assignment of ${typeToString(value.type)} to ${typeToString(type)}`);
    const conv = converter(value.type, type, where, value.konst === 0 || value.konst === 0n);
    const guard = parallelGuard(ctx, target.lv);
    const val = value.ev;
    const converted: Ev = conv === null ? val : (f) => conv(val(f));
    if (guard === null && target.lv.k === "reg") {
      const slot = target.lv.slot;
      return {
        type,
        at: where,
        ev: (f) => {
          const v = converted(f);
          f.s[slot] = v;
          return v;
        },
      };
    }
    if (target.lv.k === "mem") {
      const store = memStore(target.lv, type, where);
      return { type, at: where, ev: (f) => store(f, converted) };
    }
    const loc = locate(target.lv, type, where, guard);
    return {
      type,
      at: where,
      ev: (f) => {
        const w = loc(f);
        const v = conv === null ? val(f) : conv(val(f));
        w(v);
        return v;
      },
    };
  }
  const op = e.op.slice(0, -1);
  const vt = decay(value.type);
  const val = value.ev;
  if (type.k === "ptr" || type.k === "vector") {
    // The result has the target's own type here (pointer plus integer, vector op vector or scalar).
    const { type: rtype, fn } = binaryValues(op, type, vt, where);
    if (!sameType(rtype, type)) return failing(type, where, `compound assignment ${e.op} on ${typeToString(type)}`);
    return { type, at: where, ev: readModifyWrite(ctx, target, where, (f, old) => fn(old, val(f)), false) };
  }
  if (!isArithmetic(type) || !isArithmetic(vt)) return failing(type, where, `compound assignment ${e.op} on ${typeToString(type)}`);
  const { type: ct, fn } = binaryValues(op, type, vt, where);
  const back = converter(ct, type, where);
  const modify = (f: Frame, old: unknown): unknown => {
    const r = fn(old, val(f));
    return back === null ? r : back(r);
  };
  return { type, at: where, ev: readModifyWrite(ctx, target, where, modify, false) };
}

function incDec(ctx: Ctx, e: Extract<Expr, { t: "incdec" }>): CE {
  const where = at(e);
  const target = compileExpr(ctx, e.operand);
  if (!target.lv) return failing(target.type, where, `${e.op} of something that is not an lvalue`);
  const qualified = qualifierProblem(target.type);
  if (qualified) return failing(target.type, where, `unsupported construct: ${qualified}`);
  const type = unqualified(target.type);
  const delta = e.op === "++" ? 1 : -1;
  let modify: (f: Frame, old: unknown) => unknown;
  if (type.k === "int") {
    const p = promote(type);
    const back = converter(p, type, where);
    modify = (_f, old) => {
      const r = intAdd(old as IntV, delta, p, where);
      return back === null ? r : back(r);
    };
  } else if (type.k === "float") {
    const one = fFromInt(delta, type.fmt);
    const fmt = type.fmt;
    modify = (_f, old) => fAdd(old as Poly, one, fmt);
  } else if (type.k === "ptr") {
    const size = sizeOf(type.to);
    if (size === undefined) return failing(type, where, "increment of a pointer to an incomplete type");
    modify = (_f, old) => (old as Ptr).plus(delta * size);
  } else return failing(type, where, `${e.op} on ${typeToString(type)}`);
  // The common loop counter: a register int, done without the generic path.
  if (target.lv.k === "reg" && type.k === "int" && type.size === 4 && type.signed && parallelGuard(ctx, target.lv) === null) {
    const slot = target.lv.slot;
    const name = target.lv.name;
    const prefix = e.prefix;
    return {
      type,
      at: where,
      ev: (f) => {
        const old = f.s[slot] as number | undefined;
        if (old === undefined) return unproven(`read of uninitialised variable ${name}`, where);
        const v = old + delta;
        if (v > 2147483647 || v < -2147483648) return unproven(`signed integer overflow in ${e.op} (int), which is undefined behaviour`, where);
        f.s[slot] = v;
        return prefix ? v : old;
      },
    };
  }
  return { type, at: where, ev: readModifyWrite(ctx, target, where, modify, !e.prefix) };
}

function conditional(ctx: Ctx, e: Extract<Expr, { t: "cond" }>): CE {
  const where = at(e);
  const test = compileExpr(ctx, e.test);
  const a = compileExpr(ctx, e.then);
  const b = compileExpr(ctx, e.else);
  const at1 = decay(a.type);
  const bt = decay(b.type);
  let type: CType;
  if (isArithmetic(at1) && isArithmetic(bt)) type = commonType(at1, bt);
  else if (at1.k === "ptr" && (bt.k === "ptr" || b.konst === 0 || b.konst === 0n)) type = at1;
  else if (bt.k === "ptr" && (a.konst === 0 || a.konst === 0n)) type = bt;
  else if (at1.k === "void" && bt.k === "void") type = T.void;
  else if (sameType(at1, bt)) type = at1;
  else return failing(at1, where, `a conditional between ${typeToString(at1)} and ${typeToString(bt)}`);
  const ca = converter(a.type, type, where, a.konst === 0 || a.konst === 0n);
  const cb = converter(b.type, type, where, b.konst === 0 || b.konst === 0n);
  const tr = truth(test.type, where);
  const t = test.ev;
  const x = a.ev;
  const y = b.ev;
  return { type, at: where, ev: (f) => (tr(t(f)) ? (ca === null ? x(f) : ca(x(f))) : cb === null ? y(f) : cb(y(f))) };
}

function cast(ctx: Ctx, e: Extract<Expr, { t: "cast" }>): CE {
  const where = at(e);
  const operand = compileExpr(ctx, e.operand);
  const to = unqualified(e.type);
  if (to.k === "void") {
    const ev = operand.ev;
    return { type: T.void, at: where, ev: (f) => (ev(f), undefined) };
  }
  const from = decay(operand.type);
  // The operand is evaluated first, so a failure inside it (an unknown call, say) is the one reported.
  const refuse = (reason: string): CE => {
    const inner = operand.ev;
    return { type: to, at: where, ev: (f) => (inner(f), unproven(reason, where)) };
  };
  if (to.k === "array" || to.k === "func" || (to.k === "struct" && !sameType(to, from))) return refuse(`a cast to ${typeToString(to)}`);
  if (to.k === "vector" && !(from.k === "vector" && sizeOf(from) === sizeOf(to) && from.of.k === to.of.k && from.of.size === to.of.size)) return refuse(`a cast from ${typeToString(from)} to ${typeToString(to)}`);
  const isNull = operand.konst === 0 || operand.konst === 0n;
  const conv = converter(operand.type, to, where, isNull);
  const ev = operand.ev;
  const out: CE = { type: to, at: where, ev: conv === null ? ev : (f) => conv(ev(f)) };
  if (to.k === "int" && operand.konst !== undefined) return { ...out, konst: wrap(norm(BigInt(operand.konst)), to) };
  if (to.k === "ptr" && isNull) return { ...out, konst: 0 };
  return out;
}

function sizeofExpr(ctx: Ctx, e: Extract<Expr, { t: "sizeof" }>): CE {
  const where = at(e);
  const type = e.type ?? compileExpr(ctx, e.operand!).type;
  const size = sizeOf(type);
  if (size === undefined) return failing(SIZE_T, where, `sizeof of ${typeToString(type)} (incomplete or variable-length)`);
  return { type: SIZE_T, at: where, ev: () => size, konst: size };
}

function compoundLiteral(ctx: Ctx, e: Extract<Expr, { t: "compound" }>): CE {
  const where = at(e);
  const type = e.type;
  const size = sizeOf(type);
  if (size === undefined) return failing(type, where, "a compound literal of incomplete type");
  const init = compileInitializer(ctx, type, e.init);
  const align = alignOf(type);
  const addr = (f: Frame): Ptr => {
    const obj = newObject("a compound literal", size, align, "local", false, elementSize(type));
    f.locals.push(obj);
    const p = new Ptr(obj, 0, null);
    init(f, p);
    return p;
  };
  const lv: Lvalue = { k: "mem", addr };
  return { type, at: where, lv, ev: loadLvalue(lv, type, where) };
}

export function compileExpr(ctx: Ctx, e: Expr): CE {
  const where = at(e);
  switch (e.t) {
    case "int": {
      const v = norm(e.value);
      return { type: e.type, at: where, ev: () => v, konst: v };
    }
    case "float": {
      if (e.overflow) return failing(e.type, where, "a floating-point literal that overflows to infinity");
      const p = Poly.constant(e.value, true);
      return { type: e.type, at: where, ev: () => p };
    }
    case "str":
      return stringLiteral(e);
    case "id":
      return identifier(ctx, e.name, where);
    case "binary": {
      const l = compileExpr(ctx, e.left);
      const r = compileExpr(ctx, e.right);
      if (e.op === "&&" || e.op === "||") return logicalOp(e.op, l, r, where, boolType(ctx));
      if (["<", ">", "<=", ">=", "==", "!="].includes(e.op)) return compareOp(e.op, l, r, where, boolType(ctx));
      return binaryOp(e.op, l, r, where);
    }
    case "assign":
      return assignExpr(ctx, e);
    case "unary": {
      if (e.op === "&") {
        const x = compileExpr(ctx, e.operand);
        if (x.fn !== undefined) return failing(ptrTo(x.type), where, `function pointers are not supported (&${x.fn})`);
        if (!x.lv || x.lv.k !== "mem") return failing(ptrTo(x.type), where, "the address of something that is not in memory");
        return { type: ptrTo(x.type), at: where, ev: x.lv.addr };
      }
      if (e.op === "*") {
        const x = compileExpr(ctx, e.operand);
        const t = decay(x.type);
        if (t.k !== "ptr") return failing(T.int, where, `dereference of ${typeToString(t)}`);
        if (t.to.k === "func") return failing(t.to, where, "calls through function pointers are not supported");
        if (t.to.k === "void") return failing(t.to, where, "dereference of a void pointer");
        const lv: Lvalue = { k: "mem", addr: x.ev as (f: Frame) => Ptr };
        return { type: t.to, at: where, lv, ev: loadLvalue(lv, t.to, where) };
      }
      return unaryOp(e.op, compileExpr(ctx, e.operand), where, boolType(ctx));
    }
    case "incdec":
      return incDec(ctx, e);
    case "cond":
      return conditional(ctx, e);
    case "comma": {
      const l = compileExpr(ctx, e.left).ev;
      const r = compileExpr(ctx, e.right);
      const re = r.ev;
      return { type: r.type, at: where, ev: (f) => (l(f), re(f)) };
    }
    case "cast":
      return cast(ctx, e);
    case "call":
      return compileCall(ctx, e);
    case "index":
      return indexExpr(ctx, e);
    case "member":
      return memberExpr(ctx, e);
    case "sizeof":
      return sizeofExpr(ctx, e);
    case "alignof": {
      const a = alignOf(e.type);
      return { type: SIZE_T, at: where, ev: () => a, konst: a };
    }
    case "compound":
      return compoundLiteral(ctx, e);
    case "unsupported":
      return failing(T.int, where, `unsupported construct: ${e.what}`);
  }
}

export { decay };
