// Issue #12, class 1 (and 8 for the tokenizer): expressions from spec and cache files are bounded in length
// and depth before anything recurses over them, and every refusal is one line saying what was expected.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileExpr, EXPR_LIMITS } from "../core/expr.ts";
import { isNightshiftError } from "../core/errors.ts";
import { isOneLine, oneLineError } from "./support/one-line.ts";
import { testSeed } from "./support/seed.ts";

const compile = (source: string) => () => compileExpr(source, ["N", "TILE", "x"], "restrictions[0]");

describe("expressions too large to walk are refused before the parser recurses", () => {
  it("refuses a thousand nested parentheses, naming the depth limit", () => {
    const source = `${"(".repeat(1000)}N${")".repeat(1000)}`;
    expect(oneLineError(compile(source), "EXPR_INVALID").message).toBe(
      `restrictions[0]: expected an expression nested at most ${EXPR_LIMITS.maxDepth} levels deep, received deeper nesting at position 101 in expression "${"(".repeat(77)}..."`,
    );
  });

  it("refuses a chain of fifty thousand 'and', naming the length limit and the length received", () => {
    const source = Array(50_000).fill("x").join(" and ");
    expect(oneLineError(compile(source), "EXPR_INVALID").message).toBe(
      `restrictions[0]: expected an expression of at most ${EXPR_LIMITS.maxChars} characters, received ${source.length} characters ("${source.slice(0, 77)}...")`,
    );
  });

  it("refuses a chain that fits the length limit but not the depth limit", () => {
    const source = Array(150).fill("x").join(" and ");
    expect(oneLineError(compile(source), "EXPR_INVALID").message).toMatch(/^restrictions\[0\]: expected an expression nested at most 100 levels deep, received deeper nesting at position \d+ in expression "x and x/);
  });

  it("refuses a long run of unary minus", () => {
    expect(oneLineError(compile(`${"-".repeat(3000)}1`), "EXPR_INVALID").message).toMatch(/^restrictions\[0\]: expected an expression nested at most 100 levels deep, received deeper nesting at position 101/);
  });

  it("still takes deep but reasonable nesting", () => {
    expect(compileExpr(`${"(".repeat(50)}N + 1${")".repeat(50)}`, ["N"], "bytes").evaluateNumber({ N: 2 })).toBe(3);
    expect(compileExpr(Array(60).fill("x").join(" and "), ["x"], "r").evaluateBool({ x: 1 })).toBe(true);
  });
});

describe("the tokenizer and the parser say what they expected", () => {
  it("names what may appear where it found a character it cannot read", () => {
    expect(oneLineError(compile("N @ 2"), "EXPR_INVALID").message).toBe(
      `restrictions[0]: expected a number, a name, a 'string' or one of ** // <= >= == != && || + - * / % < > ( ) , !, received "@" at position 2 in expression "N @ 2"`,
    );
  });

  it("hints that == compares when it finds a single =", () => {
    expect(oneLineError(compile("N = 2"), "EXPR_INVALID").message).toContain('(== compares), received "=" at position 2');
  });

  it("counts a function's arguments", () => {
    expect(oneLineError(compile("abs()"), "EXPR_INVALID").message).toBe('restrictions[0]: expected 1 argument for abs(), received 0 in expression "abs()"');
    expect(oneLineError(compile("div_ceil(N)"), "EXPR_INVALID").message).toBe('restrictions[0]: expected 2 arguments for div_ceil(), received 1 in expression "div_ceil(N)"');
  });

  it("names an unterminated string's opening quote", () => {
    expect(oneLineError(compile("x == 'ikj"), "EXPR_INVALID").message).toBe(`restrictions[0]: unterminated string: expected a closing ' for the string opened at position 5, received the end of expression "x == 'ikj"`);
  });

  it("never finds a name on Object's prototype", () => {
    expect(oneLineError(() => compileExpr("constructor", null, "r").evaluate({}), "EXPR_EVAL").message).toBe('expression "constructor": expected a value for variable "constructor", received none');
    expect(oneLineError(compile("toString(1)"), "EXPR_INVALID").message).toContain('received "toString"');
  });
});

const TOKENS = ["N", "TILE", "x", "1", "2.5", "1e400", "0", "'s'", "True", "(", ")", "(", ")", ",", "+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", "and", "or", "not", "!", "&&", "min", "max(", "abs(", "div_ceil(", "sqrt(", "constructor", "__proto__", "@", "=", "'", ";", " "];

describe("the expression language on generated input", () => {
  it("either compiles and evaluates, or refuses in one line with its own codes: never an internal error", () => {
    const seed = testSeed();
    const source = fc.oneof(
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(" ")),
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.constantFrom("(", "-", "not ", "2**"), fc.integer({ min: 1, max: 400 })).map(([t, n]) => `${t.repeat(n)}1`),
    );
    const env = fc.record({ N: fc.oneof(fc.integer(), fc.double(), fc.constant("s")), TILE: fc.integer({ min: -4, max: 64 }), x: fc.boolean() });
    try {
      fc.assert(
        fc.property(source, env, (text, values) => {
          let compiled;
          try {
            compiled = compileExpr(text, ["N", "TILE", "x"], "restrictions[0]");
          } catch (error) {
            return isNightshiftError(error) && error.code === "EXPR_INVALID" && isOneLine(error.message);
          }
          try {
            compiled.evaluate(values);
            return true;
          } catch (error) {
            return isNightshiftError(error) && error.code === "EXPR_EVAL" && !error.message.includes("\n");
          }
        }),
        { seed: seed.seed, numRuns: 4000 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${seed.describe()}`);
    }
  });
});
