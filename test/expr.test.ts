import { describe, expect, it } from "vitest";
import { compileExpr, type ExprEnv } from "../core/expr.ts";
import { NightshiftError } from "../core/errors.ts";

const value = (source: string, env: ExprEnv = {}) => compileExpr(source, null, "test").evaluate(env);

function thrown(action: () => unknown): NightshiftError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(NightshiftError);
    return error as NightshiftError;
  }
  throw new Error("expected a NightshiftError, but nothing was thrown");
}

describe("arithmetic follows Python", () => {
  it("floors integer division towards negative infinity", () => {
    expect(value("7 // 2")).toBe(3);
    expect(value("-7 // 2")).toBe(-4);
    expect(value("7 // -2")).toBe(-4);
    expect(value("7.5 // 2")).toBe(3);
  });

  it("gives the remainder the sign of the divisor", () => {
    expect(value("-7 % 3")).toBe(2);
    expect(value("7 % -3")).toBe(-2);
    expect(value("7 % 3")).toBe(1);
    expect(value("5.5 % 2")).toBe(1.5);
  });

  it("divides exactly with a single slash", () => {
    expect(value("7 / 2")).toBe(3.5);
  });

  it("binds ** tighter than unary minus and to the right", () => {
    expect(value("-2 ** 2")).toBe(-4);
    expect(value("2 ** 3 ** 2")).toBe(512);
    expect(value("2 ** -1")).toBe(0.5);
  });

  it("multiplies before it adds", () => {
    expect(value("1 + 2 * 3 - 4 / 2")).toBe(5);
    expect(value("(1 + 2) * 3")).toBe(9);
  });

  it("reads numbers in decimal and exponent notation", () => {
    expect(value("1e3 + .5 + 2.")).toBe(1002.5);
  });
});

describe("comparisons chain like Python", () => {
  it("holds a chain only when every link holds", () => {
    expect(value("1 < x < 3", { x: 2 })).toBe(true);
    expect(value("1 < x < 3", { x: 3 })).toBe(false);
    expect(value("32 <= x <= 1024", { x: 32 })).toBe(true);
    expect(value("a < b > c", { a: 1, b: 5, c: 2 })).toBe(true);
    expect(value("a < b > c", { a: 1, b: 5, c: 9 })).toBe(false);
    expect(value("1 == 1 == 1")).toBe(true);
    expect(value("1 != 2 != 1")).toBe(true);
  });

  it("compares a parenthesised comparison as a number", () => {
    // (1 < 2) is True, which is 1, and 1 < 3.
    expect(value("(1 < 2) < 3")).toBe(true);
    expect(value("(3 > 2) == 1")).toBe(true);
  });
});

describe("boolean operators", () => {
  it("return an operand the way Python's and/or do", () => {
    expect(value("0 or 5")).toBe(5);
    expect(value("3 and 0")).toBe(0);
    expect(value("3 and 4")).toBe(4);
    expect(value("'' or 'x'")).toBe("x");
  });

  it("short-circuit so the unevaluated side may name a missing variable", () => {
    expect(value("x > 0 or missing", { x: 1 })).toBe(true);
    expect(value("x > 0 and missing", { x: 0 })).toBe(false);
  });

  it("give not a lower precedence than comparison", () => {
    expect(value("not 1 == 2")).toBe(true);
    expect(value("not x", { x: 0 })).toBe(true);
    expect(value("not ''")).toBe(true);
  });

  it("accept the C spellings &&, || and !", () => {
    expect(value("x > 1 && x < 4", { x: 2 })).toBe(true);
    expect(value("x > 5 || x < 0", { x: 2 })).toBe(false);
    expect(value("!(x == 2)", { x: 2 })).toBe(false);
  });

  it("bind and tighter than or", () => {
    expect(value("1 or 0 and 0")).toBe(1);
    expect(value("(1 or 0) and 0")).toBe(0);
  });

  it("know True and False and count them as 1 and 0", () => {
    expect(value("True and not False")).toBe(true);
    expect(value("True + True")).toBe(2);
    expect(value("1 == True")).toBe(true);
  });
});

describe("strings", () => {
  it("compare equal to string parameter values in either quote style", () => {
    expect(value("LOOP_ORDER == 'ikj'", { LOOP_ORDER: "ikj" })).toBe(true);
    expect(value('LOOP_ORDER != "ikj"', { LOOP_ORDER: "kij" })).toBe(true);
  });

  it("are never equal to numbers", () => {
    expect(value("x == '4'", { x: 4 })).toBe(false);
    expect(value("x != '4'", { x: 4 })).toBe(true);
  });

  it("cannot be ordered or used in arithmetic", () => {
    const error = thrown(() => value("x < 3", { x: "ikj" }));
    expect(error.code).toBe("EXPR_EVAL");
    expect(error.message).toContain('expected a number, received the string "ikj"');
    expect(thrown(() => value("x + 1", { x: "a" })).code).toBe("EXPR_EVAL");
  });

  it("must be closed", () => {
    const error = thrown(() => compileExpr("x == 'ikj", ["x"], "spec.restrictions[1]"));
    expect(error.code).toBe("EXPR_INVALID");
    expect(error.message).toMatch(/^spec\.restrictions\[1\]: unterminated string/);
  });
});

describe("functions", () => {
  it("compute the documented built-ins", () => {
    expect(value("min(4, 2, 8)")).toBe(2);
    expect(value("max(4, 2, 8)")).toBe(8);
    expect(value("abs(-3)")).toBe(3);
    expect(value("ceil(2.1)")).toBe(3);
    expect(value("floor(-2.1)")).toBe(-3);
    expect(value("int(-2.7)")).toBe(-2);
    expect(value("int(2.7)")).toBe(2);
    expect(value("log2(1024)")).toBe(10);
    expect(value("sqrt(81)")).toBe(9);
    expect(value("div_ceil(7, 2)")).toBe(4);
    expect(value("div_ceil(8, 2)")).toBe(4);
  });

  it("nest and take expressions as arguments", () => {
    expect(value("max(TILE_I * 2, min(N, 64))", { TILE_I: 16, N: 100 })).toBe(64);
  });

  it("reject a name that is not a known function", () => {
    const error = thrown(() => compileExpr("system('ls')", [], "spec.bytes"));
    expect(error.code).toBe("EXPR_INVALID");
    expect(error.message).toContain("spec.bytes: expected one of the functions");
    expect(error.message).toContain('received "system"');
  });
});

describe("variables", () => {
  it("are listed once each", () => {
    expect([...compileExpr("a * b + a", null, "test").variables].sort()).toEqual(["a", "b"]);
  });

  it("outside the known set are a configuration error naming the place and the name", () => {
    const error = thrown(() => compileExpr("TILE_I * TILE_Q <= 1024", ["TILE_I", "N"], "spec.restrictions[0]"));
    expect(error.code).toBe("EXPR_INVALID");
    expect(error.message).toBe(
      'spec.restrictions[0]: expected variables from {TILE_I, N}, received unknown "TILE_Q" in expression "TILE_I * TILE_Q <= 1024"',
    );
  });

  it("without a value at evaluation time are an evaluation error", () => {
    const error = thrown(() => compileExpr("x + y", null, "test").evaluate({ x: 1 }));
    expect(error.code).toBe("EXPR_EVAL");
    expect(error.message).toContain('expected a value for variable "y", received none');
  });
});

describe("results", () => {
  it("convert to numbers and booleans for the caller", () => {
    const expr = compileExpr("N * N * 4", ["N"], "bytes");
    expect(expr.evaluateNumber({ N: 384 })).toBe(589824);
    expect(compileExpr("x > 2", ["x"], "r").evaluateNumber({ x: 3 })).toBe(1);
    expect(compileExpr("x % 2", ["x"], "r").evaluateBool({ x: 4 })).toBe(false);
    expect(compileExpr("'yes'", [], "r").evaluateBool({})).toBe(true);
  });
});

describe("syntax errors", () => {
  it.each([
    ["1 +", "the end of the expression"],
    ["(1 + 2", "the end of the expression"],
    ["1 2", '"2"'],
    ["", "an empty string"],
    ["x = 1", '"="'],
  ])("reject %j with what was expected and what was found", (source, received) => {
    const error = thrown(() => compileExpr(source, ["x"], "spec.flops"));
    expect(error.code).toBe("EXPR_INVALID");
    expect(error.message).toMatch(/^spec\.flops: /);
    expect(error.message).toContain(received);
    expect(error.message).not.toContain("\n");
  });

  it("reject shell and code punctuation instead of passing it anywhere", () => {
    for (const source of ["x; rm -rf /", "x | y", "`id`", "__import__('os')", "x[0]"]) {
      expect(thrown(() => compileExpr(source, ["x", "y"], "spec.restrictions[0]")).code).toBe("EXPR_INVALID");
    }
  });
});
