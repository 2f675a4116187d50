// The exact arithmetic under the proof: float literals get the value the compiler gives them, rounding is
// to nearest even in the right format, and polynomials have one canonical form per value.

import { describe, expect, it } from "vitest";
import { BINARY32, BINARY64, isRepresentable, parseFloatLiteral, roundToFormat } from "../proofs/exact/float-format.ts";
import { Poly, polyAdd, polyEquals, polyMul, polyNeg, polySub } from "../proofs/exact/poly.ts";
import { qFrac, qFromDouble, qToString } from "../proofs/exact/rational.ts";

describe("float literals", () => {
  it("take the exact binary32 or binary64 value, rounded once from the decimal", () => {
    expect(qToString(parseFloatLiteral("0.1f")!.value)).toBe("13421773/134217728");
    expect(qToString(parseFloatLiteral("0.1")!.value)).toBe("3602879701896397/36028797018963968");
    expect(parseFloatLiteral("0.1")!.value).toEqual(qFromDouble(0.1));
    expect(qToString(parseFloatLiteral("0x1.8p1")!.value)).toBe("3");
    expect(qToString(parseFloatLiteral("1e-3f")!.value)).toBe(qToString(qFromDouble(Math.fround(1e-3))));
  });

  it("round halfway cases to even and report overflow", () => {
    expect(roundToFormat(16777217, BINARY32).value).toBe(16777216);
    expect(roundToFormat(16777219, BINARY32).value).toBe(16777220);
    expect(parseFloatLiteral("1e39f")!.overflow).toBe(true);
    expect(parseFloatLiteral("1e38f")!.overflow).toBe(false);
  });

  it("tell representable values from those the compiled program would round", () => {
    expect(isRepresentable(qFrac(3n, 4n), BINARY32)).toBe(true);
    expect(isRepresentable(qFrac(1n, 3n), BINARY64)).toBe(false);
    expect(isRepresentable(2 ** 24 + 1, BINARY32)).toBe(false);
    expect(isRepresentable(2 ** 24 + 1, BINARY64)).toBe(true);
  });
});

describe("polynomials", () => {
  const a = Poly.variable(0);
  const b = Poly.variable(1);

  it("are equal exactly when they are the same function: (a + b)(a - b) = a^2 - b^2, in any order", () => {
    const left = polyMul(polyAdd(a, b), polySub(a, b));
    const right = polySub(polyMul(a, a), polyMul(b, b));
    expect(polyEquals(left, right)).toBe(true);
    expect(polyEquals(polyAdd(polyAdd(a, b), a), polyAdd(a, polyAdd(a, b)))).toBe(true);
    expect(polyEquals(polyAdd(a, polyNeg(a)), Poly.ZERO)).toBe(true);
    expect(polyEquals(polyMul(a, b), polyMul(a, a))).toBe(false);
  });
});
