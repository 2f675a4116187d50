// Polynomials over the input variables with exact rational coefficients, always in one canonical form
// (monomials sorted by key, no zero coefficients), so two values are equal over the reals exactly when
// their forms are equal term by term.

import { qAdd, qEq, qIsZero, qMul, qNeg, qToString, type Q } from "./rational.ts";

/** A monomial's key: its variable ids in ascending order, comma-separated; "" is the constant term. */
function monomialKey(vars: readonly number[]): string {
  return vars.join(",");
}

function mergeVars(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

const NO_VARS: readonly number[] = [];

export class Poly {
  /**
   * `exact` matters only for constants: true when the C program's floating-point computation produces
   * exactly this value (every step was representable), so it may decide control flow.
   */
  constructor(
    readonly keys: readonly string[],
    readonly mons: readonly (readonly number[])[],
    readonly coefs: readonly Q[],
    readonly exact: boolean,
  ) {}

  static readonly ZERO = new Poly([], [], [], true);

  static constant(q: Q, exact: boolean): Poly {
    if (qIsZero(q)) return exact ? Poly.ZERO : new Poly([], [], [], false);
    return new Poly([""], [NO_VARS], [q], exact);
  }

  static variable(id: number): Poly {
    return new Poly([String(id)], [[id]], [1], false);
  }

  get isZero(): boolean {
    return this.keys.length === 0;
  }

  get isConstant(): boolean {
    return this.keys.length === 0 || (this.keys.length === 1 && this.keys[0] === "");
  }

  /** The constant's value; only meaningful when isConstant. */
  get constantValue(): Q {
    return this.keys.length === 0 ? 0 : this.coefs[0]!;
  }

  get termCount(): number {
    return this.keys.length;
  }

  get degree(): number {
    let d = 0;
    for (const m of this.mons) d = Math.max(d, m.length);
    return d;
  }

  /** Whether any monomial mentions a variable id in [lo, hi). */
  mentionsRange(lo: number, hi: number): boolean {
    for (const m of this.mons) for (const v of m) if (v >= lo && v < hi) return true;
    return false;
  }

  variables(): Set<number> {
    const out = new Set<number>();
    for (const m of this.mons) for (const v of m) out.add(v);
    return out;
  }
}

/** Builds a canonical polynomial from unsorted terms that may repeat keys. */
function fromTerms(terms: Map<string, { vars: readonly number[]; coef: Q }>): Poly {
  const keys = [...terms.keys()].filter((k) => !qIsZero(terms.get(k)!.coef)).sort();
  return new Poly(
    keys,
    keys.map((k) => terms.get(k)!.vars),
    keys.map((k) => terms.get(k)!.coef),
    false,
  );
}

export function polyAdd(a: Poly, b: Poly): Poly {
  // The exact flag of a constant result is the float layer's to set, so operands can be returned as they are.
  if (a.keys.length === 0) return b;
  if (b.keys.length === 0) return a;
  const keys: string[] = [];
  const mons: (readonly number[])[] = [];
  const coefs: Q[] = [];
  let i = 0;
  let j = 0;
  const ak = a.keys;
  const bk = b.keys;
  while (i < ak.length && j < bk.length) {
    const ka = ak[i]!;
    const kb = bk[j]!;
    if (ka === kb) {
      const c = qAdd(a.coefs[i]!, b.coefs[j]!);
      if (!qIsZero(c)) {
        keys.push(ka);
        mons.push(a.mons[i]!);
        coefs.push(c);
      }
      i++;
      j++;
    } else if (ka < kb) {
      keys.push(ka);
      mons.push(a.mons[i]!);
      coefs.push(a.coefs[i]!);
      i++;
    } else {
      keys.push(kb);
      mons.push(b.mons[j]!);
      coefs.push(b.coefs[j]!);
      j++;
    }
  }
  for (; i < ak.length; i++) {
    keys.push(ak[i]!);
    mons.push(a.mons[i]!);
    coefs.push(a.coefs[i]!);
  }
  for (; j < bk.length; j++) {
    keys.push(bk[j]!);
    mons.push(b.mons[j]!);
    coefs.push(b.coefs[j]!);
  }
  return new Poly(keys, mons, coefs, false);
}

export function polyScale(a: Poly, c: Q): Poly {
  if (qIsZero(c)) return new Poly([], [], [], false);
  if (c === 1) return a;
  return new Poly(
    a.keys,
    a.mons,
    a.coefs.map((x) => qMul(x, c)),
    false,
  );
}

export function polyNeg(a: Poly): Poly {
  return new Poly(a.keys, a.mons, a.coefs.map(qNeg), false);
}

export function polySub(a: Poly, b: Poly): Poly {
  return polyAdd(a, polyNeg(b));
}

export function polyMul(a: Poly, b: Poly): Poly {
  if (a.keys.length === 0 || b.keys.length === 0) return new Poly([], [], [], false);
  if (a.isConstant) return polyScale(b, a.coefs[0]!);
  if (b.isConstant) return polyScale(a, b.coefs[0]!);
  if (a.keys.length === 1 && b.keys.length === 1) {
    const vars = mergeVars(a.mons[0]!, b.mons[0]!);
    return new Poly([monomialKey(vars)], [vars], [qMul(a.coefs[0]!, b.coefs[0]!)], false);
  }
  const terms = new Map<string, { vars: readonly number[]; coef: Q }>();
  for (let i = 0; i < a.keys.length; i++) {
    for (let j = 0; j < b.keys.length; j++) {
      const vars = mergeVars(a.mons[i]!, b.mons[j]!);
      const key = monomialKey(vars);
      const coef = qMul(a.coefs[i]!, b.coefs[j]!);
      const old = terms.get(key);
      terms.set(key, { vars, coef: old ? qAdd(old.coef, coef) : coef });
    }
  }
  return fromTerms(terms);
}

export function polyEquals(a: Poly, b: Poly): boolean {
  if (a === b) return true;
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) {
    if (a.keys[i] !== b.keys[i] || !qEq(a.coefs[i]!, b.coefs[i]!)) return false;
  }
  return true;
}

/** The exact value at a point; `valueOf` gives each variable's value. */
export function polyEvaluate(p: Poly, valueOf: (id: number) => Q): Q {
  let sum: Q = 0;
  for (let i = 0; i < p.keys.length; i++) {
    let term: Q = p.coefs[i]!;
    for (const v of p.mons[i]!) term = qMul(term, valueOf(v));
    sum = qAdd(sum, term);
  }
  return sum;
}

/** A readable form such as "A[0]*B[3] + 2*A[1]", cut after `maxTerms` terms. */
export function polyToString(p: Poly, name: (id: number) => string, maxTerms = 12): string {
  if (p.keys.length === 0) return "0";
  const parts: string[] = [];
  for (let i = 0; i < Math.min(p.keys.length, maxTerms); i++) {
    const c = p.coefs[i]!;
    const vars = p.mons[i]!.map(name);
    const cs = qToString(c);
    if (vars.length === 0) parts.push(cs);
    else if (c === 1) parts.push(vars.join("*"));
    else if (c === -1) parts.push(`-${vars.join("*")}`);
    else parts.push(`${cs}*${vars.join("*")}`);
  }
  let text = parts.join(" + ").replace(/\+ -/g, "- ");
  if (p.keys.length > maxTerms) text += ` + ... (${p.keys.length - maxTerms} more terms)`;
  return text;
}

/** A compact, structured-clone friendly form for passing outputs between threads. */
export interface SerializedPoly {
  readonly m: number[][];
  readonly c: string[];
}

export function serializePoly(p: Poly): SerializedPoly {
  return { m: p.mons.map((m) => [...m]), c: p.coefs.map(qToString) };
}

export function deserializePoly(s: SerializedPoly, parse: (text: string) => Q): Poly {
  return new Poly(
    s.m.map(monomialKey),
    s.m,
    s.c.map(parse),
    false,
  );
}
