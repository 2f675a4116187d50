// Exact rationals. Almost every coefficient a kernel produces is a small integer, so a safe JS integer is
// the common representation and BigInt fractions are used only when a value leaves that range or is not
// an integer (float literals such as 0.1f, division by a constant).

/** A reduced fraction with d > 0; only used when the value is not a safe integer. */
export interface BigQ {
  readonly n: bigint;
  readonly d: bigint;
}

/** An exact rational: a safe integer, or a reduced BigInt fraction. */
export type Q = number | BigQ;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The canonical form of n/d: a JS number when it is a safe integer, otherwise a reduced fraction. */
export function qFrac(n: bigint, d: bigint): Q {
  if (d === 0n) throw new RangeError("rational with a zero denominator");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  if (d !== 1n) {
    const g = gcd(n, d);
    if (g !== 1n) {
      n /= g;
      d /= g;
    }
  }
  if (d === 1n && n <= MAX_SAFE && n >= -MAX_SAFE) return Number(n);
  return { n, d };
}

export function qInt(n: bigint | number): Q {
  return typeof n === "number" ? (Number.isSafeInteger(n) ? n : qFrac(BigInt(n), 1n)) : qFrac(n, 1n);
}

function num(a: Q): bigint {
  return typeof a === "number" ? BigInt(a) : a.n;
}

function den(a: Q): bigint {
  return typeof a === "number" ? 1n : a.d;
}

export function qAdd(a: Q, b: Q): Q {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return qFrac(num(a) * den(b) + num(b) * den(a), den(a) * den(b));
}

export function qSub(a: Q, b: Q): Q {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return qFrac(num(a) * den(b) - num(b) * den(a), den(a) * den(b));
}

export function qMul(a: Q, b: Q): Q {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  return qFrac(num(a) * num(b), den(a) * den(b));
}

export function qDiv(a: Q, b: Q): Q {
  return qFrac(num(a) * den(b), den(a) * num(b));
}

export function qNeg(a: Q): Q {
  return typeof a === "number" ? -a || 0 : { n: -a.n, d: a.d };
}

export function qIsZero(a: Q): boolean {
  return a === 0;
}

export function qSign(a: Q): number {
  if (typeof a === "number") return Math.sign(a);
  return a.n > 0n ? 1 : a.n < 0n ? -1 : 0;
}

export function qCmp(a: Q, b: Q): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  return qSign(qSub(a, b));
}

export function qEq(a: Q, b: Q): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.n === b.n && a.d === b.d;
}

export function qAbs(a: Q): Q {
  return qSign(a) < 0 ? qNeg(a) : a;
}

export function qIsInteger(a: Q): boolean {
  return typeof a === "number" || a.d === 1n;
}

export function qNumerator(a: Q): bigint {
  return num(a);
}

export function qDenominator(a: Q): bigint {
  return den(a);
}

/** Truncation toward zero, as C converts a floating value to an integer. */
export function qTrunc(a: Q): bigint {
  if (typeof a === "number") return BigInt(a);
  return a.n / a.d;
}

/** A float64 approximation, for reporting and tolerance estimates only. */
export function qToNumber(a: Q): number {
  if (typeof a === "number") return a;
  // Scale so that both parts fit a double's exponent range before dividing.
  const shift = Math.max(0, Math.max(a.n < 0n ? (-a.n).toString(2).length : a.n.toString(2).length, a.d.toString(2).length) - 1000);
  const s = BigInt(shift);
  return Number(a.n >> s) / Number(a.d >> s);
}

export function qToString(a: Q): string {
  if (typeof a === "number") return String(a);
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}

/** The exact value of a finite JS double. */
export function qFromDouble(x: number): Q {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (Number.isSafeInteger(x)) return x;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  return e >= 0 ? qFrac(sign * (mant << BigInt(e)), 1n) : qFrac(sign * mant, 1n << BigInt(-e));
}
