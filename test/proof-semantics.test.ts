// The C semantics the proof rests on, one behaviour at a time on a small axpy spec: exact real arithmetic
// (reassociation, fma, division by a constant, float/double casts are no difference), integer semantics
// (unsigned wrap-around is defined, signed overflow is not), constants that decide control flow only when
// the compiled program computes them exactly, and the memory rules (restrict, uninitialised reads, types).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { proveVariant, type ProofVerdict } from "../proofs/index.ts";
import { FIXTURES, specFrom } from "./fixtures/proofs/specs.ts";

const spec = specFrom(join(FIXTURES, "axpy"));
const SIZES = [1, 2, 3, 5, 8].map((N) => ({ N }));

function kernel(body: string, helpers = ""): string {
  return `#include <stdint.h>\n#include <stddef.h>\n#include <string.h>\n${helpers}\nvoid axpy(const float *restrict x, const float *restrict y, float *restrict out, float a, int32_t n) {\n${body}\n}\n`;
}

async function prove(source: string): Promise<ProofVerdict> {
  return proveVariant({ spec, params: spec.baseline, variantSource: source, sizes: SIZES }, { steps: 1_000_000, timeMs: 120_000 });
}

describe("the proof's semantics", () => {
  it("proves the template itself", async () => {
    expect((await prove(spec.templateSource)).status).toBe("proved");
  });

  it("treats a reassociated, fused, double-accumulated form as the same function over the reals", async () => {
    const v = await prove(kernel("for (int i = 0; i < n; i++) { double t = fma((double)x[i], (double)a, 0.0); out[i] = (float)(y[i] + t); }"));
    expect(v.status, JSON.stringify(v)).toBe("proved");
  });

  it("treats division by a constant as multiplication by its exact inverse", async () => {
    const v = await prove(kernel("for (int i = 0; i < n; i++) out[i] = (3.0f * x[i]) / 2.0f + y[i];"));
    expect(v.status, JSON.stringify(v)).toBe("proved");
  });

  it("does not prove a difference of one rounding of 0.1, nor refute it, since no input shows it beyond the tolerance", async () => {
    const v = await prove(kernel("for (int i = 0; i < n; i++) out[i] = (a + 0.1f - 0.1) * x[i] + y[i];"));
    expect(v.status, JSON.stringify(v)).toBe("unproven");
    if (v.status === "unproven") expect(v.reason).toMatch(/less than the spec's tolerance/);
  });

  it("follows unsigned wrap-around, which C defines, in a reversed loop", async () => {
    const v = await prove(kernel("for (unsigned i = (unsigned)n - 1u; i < (unsigned)n; i--) out[i] = a * x[i] + y[i];"));
    expect(v.status, JSON.stringify(v)).toBe("proved");
  });

  it("reports signed overflow as undefined behaviour", async () => {
    const v = await prove(kernel("int big = n * 2147483647; for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i] + (float)(big - big);"));
    expect(v.status).toBe("unproven");
    if (v.status === "unproven") expect(v.reason).toMatch(/signed integer overflow/);
  });

  it("lets an exactly computed floating constant decide a branch, but not one the compiled program would round", async () => {
    const exact = await prove(kernel("for (int i = 0; i < n; i++) out[i] = (0.5f + 0.25f == 0.75f) ? a * x[i] + y[i] : 0.0f;"));
    expect(exact.status, JSON.stringify(exact)).toBe("proved");
    const rounded = await prove(kernel("for (int i = 0; i < n; i++) out[i] = (0.1f * 3.0f == 0.3f) ? 0.0f : a * x[i] + y[i];"));
    expect(rounded.status).toBe("unproven");
    if (rounded.status === "unproven") expect(rounded.reason).toMatch(/would round/);
  });

  it("reports two restrict pointers to the same buffer, one of them written, as undefined behaviour", async () => {
    const helper = "static void add(float *restrict dst, const float *restrict src, int n) { for (int i = 0; i < n; i++) dst[i] += src[i]; }";
    const v = await prove(kernel("for (int i = 0; i < n; i++) out[i] = a * x[i]; add(out, out, n); for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i];", helper));
    expect(v.status).toBe("unproven");
    if (v.status === "unproven") expect(v.reason).toMatch(/restrict/);
  });

  it("reports a read of an uninitialised local and a read of the output before it is written", async () => {
    const local = await prove(kernel("float t[4]; for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i] + 0.0f * t[i % 4];"));
    expect(local.status).toBe("unproven");
    if (local.status === "unproven") expect(local.reason).toMatch(/uninitialised/);
    const poison = await prove(kernel("for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i] + 0.0f * out[i];"));
    expect(poison.status).toBe("unproven");
    if (poison.status === "unproven") expect(poison.reason).toMatch(/before writing it/);
  });

  it("copies with memcpy and memset cell by cell, and rejects reading a float's bytes as an int", async () => {
    const copy = await prove(kernel("float t[64]; memset(t, 0, sizeof t); for (int i = 0; i < n; i++) t[i] = a * x[i]; for (int i = 0; i < n; i++) t[i] += y[i] + t[63]; memcpy(out, t, (size_t)n * sizeof(float));"));
    expect(copy.status, JSON.stringify(copy)).toBe("proved");
    const punned = await prove(kernel("for (int i = 0; i < n; i++) { out[i] = a * x[i] + y[i]; int bits = *(const int *)&out[i]; (void)bits; }"));
    expect(punned.status).toBe("unproven");
    if (punned.status === "unproven") expect(punned.reason).toMatch(/type punning/);
  });

  it("rejects an unsequenced modification that a compiler may order either way", async () => {
    const v = await prove(kernel("int i = 0; while (i < n) { out[i] = a * x[i] + y[i++]; }"));
    expect(v.status).toBe("unproven");
    if (v.status === "unproven") expect(v.reason).toMatch(/modified and also read|sequence/);
  });

  it("knows enumeration constants, and gives an enum without negative values GCC's unsigned type", async () => {
    const helpers = "enum { SCALE = 2, SHIFT = SCALE + 1 };\ntypedef enum color { RED, GREEN = 5 } color;";
    // With an unsigned enum, RED - GREEN wraps to a large positive value, so the added term is 0 as gcc computes it.
    const v = await prove(kernel("color c = RED; for (int i = 0; i < n; i++) out[i] = a * x[i] + y[i] + (float)(SHIFT - SCALE - 1) + (float)((c - GREEN > 0) - 1);", helpers));
    expect(v.status, JSON.stringify(v)).toBe("proved");
  });

  it("does not prove a variant that names an undeclared identifier, even on a path it never takes", async () => {
    const v = await prove(kernel("for (int i = 0; i < n; i++) out[i] = n < 0 ? (float)undeclared : a * x[i] + y[i];"));
    expect(v.status).toBe("unproven");
    if (v.status === "unproven") expect(v.reason).toMatch(/unknown identifier undeclared/);
  });

  it("refutes a write to an input buffer's neighbour past the end of the output", async () => {
    const v = await prove(kernel("for (int i = 0; i <= n; i++) out[i] = a * x[i < n ? i : 0] + y[i < n ? i : 0];"));
    expect(v.status).toBe("refuted");
    if (v.status === "refuted") expect(v.reason).toMatch(/out-of-bounds write/);
  });
});
