// The example kernels compile with the flags nightshift would pass, define only their kernel symbol, and
// agree with their trusted references on the verification sizes (which the tile sizes do not divide).
// A small driver stands in for the generated harness so the templates are checked on their own.

import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadSpec } from "../specs/load.ts";
import { compilerFlags, defineFlags, resolveParams } from "../harness/variant.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";

const EXAMPLES = resolve(import.meta.dirname, "..", "examples");
const work = mkdtempSync(join(tmpdir(), "nightshift-examples-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const COMMON = `
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static uint64_t state = 88172645463325252ull;
static float draw(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (float)((double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0); }
static float *fresh(long n) { float *p = malloc(sizeof(float) * (n > 0 ? n : 1)); for (long i = 0; i < n; i++) p[i] = draw(); return p; }
static float *poisoned(long n) { float *p = malloc(sizeof(float) * n); for (long i = 0; i < n; i++) p[i] = NAN; return p; }
/* The worst error in units of the tolerance (above 1 fails); a NaN left from the poison counts as 1e30. */
static double worst(const float *got, const float *want, long n, double rtol, double atol) {
  double w = 0;
  for (long i = 0; i < n; i++) {
    double e = fabs((double)got[i] - (double)want[i]) / (atol + rtol * fabs((double)want[i]));
    if (e != e) e = 1e30;
    if (e > w) w = e;
  }
  return w;
}
`;

const DRIVERS: Record<string, string> = {
  matmul: `${COMMON}
void matmul(const float *, const float *, float *, int32_t);
void matmul_reference(const float *, const float *, float *, int32_t);
int main(int argc, char **argv) {
  double rtol = atof(argv[1]), atol = atof(argv[2]), w = 0;
  for (int a = 3; a < argc; a++) {
    int n = atoi(argv[a]);
    float *A = fresh((long)n * n), *B = fresh((long)n * n), *C = poisoned((long)n * n), *R = poisoned((long)n * n);
    matmul(A, B, C, n);
    matmul_reference(A, B, R, n);
    double e = worst(C, R, (long)n * n, rtol, atol);
    if (e > w) w = e;
  }
  printf("%g\\n", w);
  return 0;
}`,
  conv2d: `${COMMON}
void conv2d(const float *, const float *, float *, int32_t, int32_t, int32_t);
void conv2d_reference(const float *, const float *, float *, int32_t, int32_t, int32_t);
int main(int argc, char **argv) {
  double rtol = atof(argv[1]), atol = atof(argv[2]), w = 0;
  for (int a = 3; a + 2 < argc; a += 3) {
    int h = atoi(argv[a]), wd = atoi(argv[a + 1]), k = atoi(argv[a + 2]);
    long outs = (long)(h - k + 1) * (wd - k + 1);
    float *I = fresh((long)h * wd), *F = fresh((long)k * k), *O = poisoned(outs), *R = poisoned(outs);
    conv2d(I, F, O, h, wd, k);
    conv2d_reference(I, F, R, h, wd, k);
    double e = worst(O, R, outs, rtol, atol);
    if (e > w) w = e;
  }
  printf("%g\\n", w);
  return 0;
}`,
};

let builds = 0;
function build(spec: KernelSpec, given: Params): { binary: string; globals: string[] } {
  const params = resolveParams(spec, given);
  const dir = join(work, `${spec.name}-${builds++}`);
  execFileSync("mkdir", ["-p", dir]);
  writeFileSync(join(dir, "variant.c"), spec.templateSource);
  writeFileSync(join(dir, "reference.c"), spec.referenceSource);
  writeFileSync(join(dir, "driver.c"), DRIVERS[spec.name]!);
  execFileSync("gcc", [...defineFlags(params), ...compilerFlags(spec, params), "-c", "variant.c", "-o", "variant.o"], { cwd: dir });
  const symbols = execFileSync("nm", ["-P", "variant.o"], { cwd: dir, encoding: "utf8" });
  const globals = symbols
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([, type]) => type !== undefined && /^[TDBR]$/.test(type))
    .map(([name]) => name!);
  execFileSync("gcc", ["-O2", "driver.c", "reference.c", "variant.o", "-lm", "-o", "check"], { cwd: dir });
  return { binary: join(dir, "check"), globals };
}

function worstError(spec: KernelSpec, binary: string): number {
  const tol = spec.tolerance.float32!;
  const sizes = spec.problem.verify.flatMap((s) => (spec.name === "matmul" ? [String(s.N)] : [String(s.H), String(s.W), String(s.K)]));
  return Number(execFileSync(binary, [String(tol.rtol), String(tol.atol), ...sizes], { encoding: "utf8" }).trim());
}

const CASES: Record<string, Params[]> = {
  matmul: [
    {},
    { LOOP_ORDER: "ikj", VECTORIZE: 2 },
    { TILE_I: 64, TILE_J: 128, TILE_K: 64, LOOP_ORDER: "ikj", UNROLL: 4, VECTORIZE: 2 },
    { TILE_I: 16, TILE_J: 64, TILE_K: 128, LOOP_ORDER: "kji", UNROLL: 4, VECTORIZE: 1 },
    { TILE_I: 128, TILE_J: 0, TILE_K: 16, LOOP_ORDER: "jik", VECTORIZE: 2 },
    { TILE_I: 32, TILE_J: 128, TILE_K: 32, LOOP_ORDER: "jki", UNROLL: 4, VECTORIZE: 0 },
    { TILE_I: 0, TILE_J: 64, TILE_K: 64, LOOP_ORDER: "kij", UNROLL: 4, VECTORIZE: 2 },
  ],
  conv2d: [
    {},
    { LOOP_ORDER: "tap", VECTORIZE: 2 },
    { TILE_Y: 16, TILE_X: 256, LOOP_ORDER: "tap", UNROLL: 4, VECTORIZE: 2 },
    { TILE_Y: 4, TILE_X: 64, LOOP_ORDER: "pixel", UNROLL: 8, VECTORIZE: 1 },
    { TILE_Y: 64, TILE_X: 128, LOOP_ORDER: "tap", UNROLL: 2, VECTORIZE: 0 },
  ],
};

describe.each(Object.keys(CASES))("the %s example", (name) => {
  const spec = loadSpec(join(EXAMPLES, name));

  it.each(CASES[name]!.map((c) => [JSON.stringify(c), c] as const))("matches its reference on the verification sizes with %s", (_label, params) => {
    const { binary, globals } = build(spec, params);
    expect(globals).toEqual([spec.kernel]);
    const worst = worstError(spec, binary);
    expect(worst).toBeLessThan(1);
  });

  it("is caught by the comparison when the template is broken at the edges", () => {
    // Dropping the last row/column block must fail: the check is not vacuous.
    const broken = { ...spec, templateSource: spec.templateSource.replace(/MIN\((\w+) \+ (\w+), (\w+)\)/g, "(($1 + $2 <= $3) ? $1 + $2 : $1)") };
    const tiles: Params = name === "matmul" ? { TILE_I: 64, TILE_J: 64, TILE_K: 64, LOOP_ORDER: "ikj" } : { TILE_Y: 8, TILE_X: 64, LOOP_ORDER: "tap" };
    const { binary } = build(broken, tiles);
    expect(worstError(spec, binary)).toBeGreaterThan(1);
  });
});
