// Initialisers of objects in memory: every scalar of the object is first set to zero (C initialises what an
// initialiser list leaves out to zero), then the listed values are stored in order.

import type { Expr, Init } from "../c/ast.ts";
import { decay, isScalar, sameType, sizeOf, typeCode, typeToString, type CType, type ScalarType } from "../c/types.ts";
import type { Ctx, Frame } from "./context.ts";
import { converter, implicitlyConvertible, zeroValue } from "./convert.ts";
import { unproven, type At } from "./findings.ts";
import { Ptr, storeBlock, storeScalar, type MemObject } from "./memory.ts";
import { compileExpr } from "./compile-expr.ts";

type Store = (f: Frame, base: Ptr) => void;

/** The scalar leaves of a type in layout order (a union contributes its first member). */
export function scalarLeaves(type: CType, off: number, out: { off: number; type: CType }[]): boolean {
  if (isScalar(type)) {
    out.push({ off, type });
    return true;
  }
  if (type.k === "vector") {
    for (let k = 0; k < type.lanes; k++) out.push({ off: off + k * type.of.size, type: type.of });
    return true;
  }
  if (type.k === "array") {
    const size = sizeOf(type.of);
    if (type.len === null || size === undefined) return false;
    for (let k = 0; k < type.len; k++) if (!scalarLeaves(type.of, off + k * size, out)) return false;
    return true;
  }
  if (type.k === "struct") {
    if (type.fields === null || type.unsupported) return false;
    for (const field of type.union ? type.fields.slice(0, 1) : type.fields) if (!scalarLeaves(field.type, off + field.offset, out)) return false;
    return true;
  }
  return false;
}

function at(i: Init | Expr): At {
  return { line: i.line, file: i.file };
}

function failing(where: At, reason: string): Store[] {
  return [() => unproven(reason, where)];
}

function scalarStore(ctx: Ctx, type: CType, off: number, e: Expr): Store[] {
  const where = at(e);
  const ce = compileExpr(ctx, e);
  if (type.k === "struct" || type.k === "vector") {
    if (!sameType(decay(ce.type), type)) return failing(where, `initialising ${typeToString(type)} from ${typeToString(ce.type)}`);
    const ev = ce.ev;
    if (type.k === "struct") return [(f, base) => storeBlock(base.plus(off), ev(f) as MemObject, 1, where)];
    const tc = typeCode(type.of);
    const step = type.of.size;
    return [
      (f, base) => {
        const lanes = ev(f) as unknown[];
        for (let k = 0; k < lanes.length; k++) storeScalar(base.plus(off + k * step), tc, lanes[k], where);
      },
    ];
  }
  if (!isScalar(type)) return failing(where, `initialising ${typeToString(type)} from an expression`);
  const isNull = ce.konst === 0 || ce.konst === 0n;
  if (!implicitlyConvertible(ce.type, type, isNull)) return failing(where, `initialising ${typeToString(type)} from ${typeToString(ce.type)}`);
  const conv = converter(ce.type, type, where, isNull);
  const tc = typeCode(type);
  const ev = ce.ev;
  return [(f, base) => storeScalar(base.plus(off), tc, conv === null ? ev(f) : conv(ev(f)), where)];
}

function stringInto(type: CType, off: number, value: string, where: At): Store[] | undefined {
  if (type.k !== "array" || type.of.k !== "int" || type.of.size !== 1) return undefined;
  const len = type.len ?? value.length + 1;
  if (value.length > len) return failing(where, "a string initialiser longer than its array");
  const tc = typeCode(type.of);
  return [
    (_f, base) => {
      for (let k = 0; k < value.length; k++) storeScalar(base.plus(off + k), tc, (value.charCodeAt(k) << 24) >> 24, where);
    },
  ];
}

function compileInto(ctx: Ctx, type: CType, off: number, init: Init): Store[] {
  const where = at(init);
  if (init.t === "expr") {
    if (init.expr.t === "str") {
      const s = stringInto(type, off, init.expr.value, where);
      if (s) return s;
    }
    return scalarStore(ctx, type, off, init.expr);
  }
  if (isScalar(type)) {
    if (init.items.length !== 1 || init.items[0]!.designators.length > 0) return failing(where, "a braced scalar initialiser with other than one value");
    return compileInto(ctx, type, off, init.items[0]!.init);
  }
  const plain = init.items.every((it) => it.designators.length === 0 && it.init.t === "expr");
  const nested = type.k === "array" ? !isScalar(type.of) : type.k === "struct";
  if (plain && nested) {
    // Brace elision: a flat list fills the scalars of the object in order.
    const leaves: { off: number; type: CType }[] = [];
    if (!scalarLeaves(type, off, leaves)) return failing(where, `an initialiser for ${typeToString(type)}`);
    const simple = init.items.every((it) => {
      const e = (it.init as { expr: Expr }).expr;
      return e.t !== "str" && e.t !== "compound";
    });
    if (simple && init.items.length <= leaves.length) {
      const out: Store[] = [];
      init.items.forEach((it, k) => out.push(...scalarStore(ctx, leaves[k]!.type, leaves[k]!.off, (it.init as { expr: Expr }).expr)));
      return out;
    }
  }
  const out: Store[] = [];
  let index = 0;
  for (const item of init.items) {
    if (item.designators.length > 1) return failing(where, "nested designators");
    const d = item.designators[0];
    if (type.k === "array" || type.k === "vector") {
      const elem = type.k === "array" ? type.of : type.of;
      const count = type.k === "array" ? type.len : type.lanes;
      const size = sizeOf(elem);
      if (size === undefined) return failing(where, "an initialiser for an array of incomplete elements");
      if (d) {
        if (d.t !== "index" || d.index.t !== "int") return failing(where, "an array designator that is not an integer literal");
        index = Number(d.index.value);
      }
      if (count !== null && index >= count) return failing(where, "more initialisers than array elements");
      out.push(...compileInto(ctx, elem, off + index * size, item.init));
      index++;
    } else if (type.k === "struct") {
      const fields = type.fields;
      if (fields === null || type.unsupported) return failing(where, `an initialiser for ${typeToString(type)}`);
      if (d) {
        if (d.t !== "field") return failing(where, "an index designator in a struct initialiser");
        index = fields.findIndex((x) => x.name === d.name);
        if (index < 0) return failing(where, `struct ${type.tag} has no member ${d.name}`);
      }
      const field = fields[index];
      if (!field) return failing(where, "more initialisers than struct members");
      out.push(...compileInto(ctx, field.type, off + field.offset, item.init));
      index++;
    } else return failing(where, `an initialiser list for ${typeToString(type)}`);
  }
  return out;
}

/** Zero-fills the object at the pointer, then stores the initialiser's values. */
export function compileInitializer(ctx: Ctx, type: CType, init: Init): (f: Frame, p: Ptr) => void {
  const where = at(init);
  const leaves: { off: number; type: CType }[] = [];
  const zeroable = scalarLeaves(type, 0, leaves);
  const stores = compileInto(ctx, type, 0, init);
  const zeros = leaves.map((l) => ({ off: l.off, tc: typeCode(l.type as ScalarType), v: zeroValue(l.type) }));
  return (f, p) => {
    if (!zeroable) unproven(`initialising ${typeToString(type)}`, where);
    for (const z of zeros) storeScalar(p.plus(z.off), z.tc, z.v, where);
    for (const s of stores) s(f, p);
  };
}
