// Differential test of the interpreter's integer semantics against gcc: random expressions mixing types
// (char, short, int, unsigned, long), casts, shifts, division, comparisons and conditionals. gcc computes
// each one's value (under UBSan and with overflow warnings as errors, so expressions with undefined
// behaviour are left out); a kernel then
// subtracts gcc's value from the interpreter's inside its output, which is proved only if they agree.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../proofs/counterexample.ts";
import { proveVariant } from "../proofs/index.ts";
import { FIXTURES, specFrom } from "./fixtures/proofs/specs.ts";

const SEED = Number(process.env.PROOF_TEST_SEED ?? 31);
const COUNT = 30;
const spec = specFrom(join(FIXTURES, "axpy"));
const work = mkdtempSync(join(tmpdir(), "nightshift-proof-ints-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LEAVES = ["i", "n", "(i - 3)", "(n * 7)", "3", "-2", "7u", "100000", "2147483647u", "(unsigned char)200", "(short)-5", "(char)'a'", "(long)i", "12L", "(unsigned long)3", "0x7fffffff", "(i + 1)"];
const OPERATORS = ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "<", ">", "<=", ">=", "==", "!=", "&&", "||"];
const CASTS = ["(int)", "(unsigned)", "(long)", "(unsigned long)", "(short)", "(unsigned char)", "(signed char)", "(long long)", ""];

function generator(seed: number): (depth: number) => string {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const gen = (d: number): string => {
    if (d <= 0 || random() < 0.25) return pick(LEAVES);
    const r = random();
    if (r < 0.1) return `(${gen(d - 1)} ? ${gen(d - 1)} : ${gen(d - 1)})`;
    if (r < 0.2) return `${pick(CASTS)}(${gen(d - 1)})`;
    if (r < 0.25) return `(${pick(["-", "~", "!"])}${gen(d - 1)})`;
    const op = pick(OPERATORS);
    const right = op === "<<" || op === ">>" ? `((${gen(d - 1)}) & 7)` : gen(d - 1);
    return `(${gen(d - 1)} ${op} ${right})`;
  };
  return gen;
}

/** gcc's values of the expression for i = 0..4 with n = 5, or undefined if UBSan objects. */
function gccValues(expr: string, k: number): string[] | undefined {
  const file = join(work, `e${k}.c`);
  const exe = join(work, `e${k}`);
  writeFileSync(file, `#include <stdio.h>\nint main(void) { for (int n = 5, i = 0; i < n; i++) printf("%.0Lf\\n", (long double)(${expr})); return 0; }\n`);
  try {
    // UBSan sees undefined behaviour at run time; gcc folds constant subexpressions first and only warns.
    const folded = ["-Werror=overflow", "-Werror=shift-count-overflow", "-Werror=shift-count-negative", "-Werror=shift-overflow", "-Werror=shift-negative-value", "-Werror=div-by-zero"];
    execFileSync("gcc", ["-O0", ...folded, "-fsanitize=undefined", "-fno-sanitize-recover=all", file, "-o", exe], { stdio: "pipe" });
    return execFileSync(exe, { stdio: "pipe" }).toString().trim().split("\n");
  } catch {
    return undefined;
  }
}

describe("integer expressions", () => {
  const gen = generator(SEED);
  const cases = Array.from({ length: COUNT }, () => gen(4));
  cases.forEach((expr, k) => {
    it(`evaluate as gcc does: ${expr.length > 70 ? `${expr.slice(0, 67)}...` : expr}`, async () => {
      const want = gccValues(expr, k);
      if (want === undefined) return; // undefined behaviour in C: nothing to compare
      const table = `static const long double want[] = {${want.map((v) => `${v}.0L`).join(", ")}};`;
      const source = `#include <stdint.h>\n${table}\nvoid axpy(const float *restrict x, const float *restrict y, float *restrict out, float a, int32_t n) {\n  for (int i = 0; i < n; i++) { long double v = (long double)(${expr}); out[i] = a * x[i] + y[i] + (float)(v - want[i]); }\n}\n`;
      const verdict = await proveVariant({ spec, params: spec.baseline, variantSource: source, sizes: [{ N: 5 }] });
      expect(verdict.status, `seed ${SEED}, expression ${expr}, gcc ${want.join(",")}: ${JSON.stringify(verdict).slice(0, 400)}`).toBe("proved");
    }, 120_000);
  });
});
