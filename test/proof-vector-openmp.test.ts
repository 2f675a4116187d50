// A register-blocked matmul written with GCC vector extensions (vector typedefs, vector loads through a
// cast pointer and through memcpy, lane subscripts, scalar-times-vector) inside an OpenMP parallel loop is
// proved at the bounded sizes, its iterations checked free of conflicts.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { proveVariant } from "../proofs/index.ts";
import { exampleSpec, FIXTURES, fixture, specFrom } from "./fixtures/proofs/specs.ts";

const FILE = "proved/vector-omp-matmul.c";

describe("a vectorised OpenMP matmul", () => {
  it("is valid C that gcc compiles with OpenMP", () => {
    const dir = mkdtempSync(join(tmpdir(), "nightshift-proof-"));
    try {
      execFileSync("gcc", ["-O2", "-std=gnu11", "-fopenmp", "-Wno-psabi", "-c", join(FIXTURES, FILE), "-o", join(dir, "k.o")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const RB of [1, 3, 4]) {
    it(`is proved equal to the reference at every bounded size with ${RB}-row blocks`, async () => {
      const spec = exampleSpec("matmul");
      const verdict = await proveVariant({ spec, params: { RB }, variantSource: fixture(FILE) }, { timeMs: 240_000 });
      expect(verdict.status, JSON.stringify(verdict).slice(0, 600)).toBe("proved");
      if (verdict.status === "proved") expect(verdict.sizes.map((s) => s.N)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    }, 300_000);
  }
});

describe("an AVX kernel written with immintrin.h intrinsics", () => {
  const axpy = specFrom(join(FIXTURES, "axpy"));
  const spec = { ...axpy, build: { ...axpy.build, flags: ["-O2", "-mavx2", "-mfma"] } };
  const sizes = [1, 7, 8, 9, 17].map((N) => ({ N }));

  it("is proved, the intrinsics' inline definitions interpreted as the vector operations they are", async () => {
    const verdict = await proveVariant({ spec, params: spec.baseline, variantSource: fixture("proved/avx-axpy.c"), sizes }, { timeMs: 240_000 });
    expect(verdict.status, JSON.stringify(verdict).slice(0, 600)).toBe("proved");
  }, 300_000);

  it("is unproven when an intrinsic is a target builtin the proof does not model", async () => {
    const verdict = await proveVariant({ spec, params: spec.baseline, variantSource: fixture("unproven/avx-fma-builtin.c"), sizes }, { timeMs: 240_000 });
    expect(verdict.status).toBe("unproven");
    if (verdict.status === "unproven") expect(verdict.reason).toMatch(/__builtin_ia32_vfmaddps256/);
  }, 300_000);
});
