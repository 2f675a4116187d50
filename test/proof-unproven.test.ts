// Kernels whose meaning the proof cannot decide are reported unproven with the reason and the line, and
// never proved: data-dependent control flow, data races, constructs outside the interpreted subset, and
// loops that do not end.

import { describe, expect, it } from "vitest";
import { proveVariant } from "../proofs/index.ts";
import { exampleSpec, fixture } from "./fixtures/proofs/specs.ts";

const matmul = exampleSpec("matmul");
const transpose = exampleSpec("transpose-cuda");

const CASES = [
  { name: "a branch on input data", file: "unproven/data-branch.c", spec: matmul, reason: /comparison of floating-point values depends on the input data/, line: 9 },
  { name: "fabs of data", file: "unproven/fabs-of-data.c", spec: matmul, reason: /fabs depends on the input data/, line: 9 },
  { name: "fmaxf of data", file: "unproven/max-of-data.c", spec: matmul, reason: /depends on the input data/, line: 10 },
  { name: "a float used as an index", file: "unproven/float-index.c", spec: matmul, reason: /conversion of a floating-point value to an integer depends on the input data/, line: 8 },
  { name: "an OpenMP loop whose iterations write the same elements", file: "unproven/omp-race.c", spec: matmul, reason: /data race: two iterations of a parallel loop access C\[/, line: 9 },
  { name: "an OpenMP loop that accumulates into a shared variable", file: "unproven/omp-shared-scalar.c", spec: matmul, reason: /data race: the variable sum/, line: 9 },
  { name: "a CUDA kernel missing its __syncthreads", file: "unproven/cuda-missing-sync.cu", spec: transpose, reason: /data race: two CUDA threads access tile\[/, line: 19 },
  { name: "a CUDA kernel whose threads write one shared cell", file: "unproven/cuda-shared-race.cu", spec: transpose, reason: /data race: two CUDA threads access last\[0\]/, line: 15 },
  { name: "a CUDA barrier only some threads reach", file: "unproven/cuda-divergent-barrier.cu", spec: transpose, reason: /reached by only some threads/, line: 15 },
  { name: "inline assembly", file: "unproven/inline-asm.c", spec: matmul, reason: /unsupported construct: inline assembly/, line: 9 },
  { name: "a call to a function that is not defined", file: "unproven/unknown-call.c", spec: matmul, reason: /call to scale_of, which is not defined/, line: 11 },
  { name: "a loop that never ends", file: "unproven/infinite-loop.c", spec: matmul, reason: /^step limit/, line: 8 },
];

describe("a kernel the proof cannot decide", () => {
  for (const c of CASES) {
    it(`with ${c.name} is unproven with the reason and its line, never proved`, async () => {
      const verdict = await proveVariant({ spec: c.spec, params: c.spec.baseline, variantSource: fixture(c.file) }, { steps: 200_000, timeMs: 240_000 });
      expect(verdict.status, JSON.stringify(verdict)).toBe("unproven");
      if (verdict.status !== "unproven") return;
      expect(verdict.reason).toMatch(c.reason);
      expect(verdict.line).toBe(c.line);
    }, 300_000);
  }

  it("with a #line directive is unproven before anything is interpreted, since line markers decide what is read", async () => {
    const source = `#line 1 "somewhere.h"\n${matmul.templateSource}`;
    const verdict = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: source });
    expect(verdict.status).toBe("unproven");
    if (verdict.status === "unproven") expect(verdict.reason).toMatch(/#line directive/);
  });

  it("whose code depends on __TIME__ is unproven, since the build would see another time", async () => {
    const source = matmul.templateSource.replace("void matmul(", "static const char *built = __TIME__;\nvoid matmul(");
    const verdict = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: source });
    expect(verdict.status).toBe("unproven");
    if (verdict.status === "unproven") expect(verdict.reason).toMatch(/__TIME__/);
  });

  it("in CUDA that includes another file is unproven, since the proof reads only the variant's own lines", async () => {
    const source = `#include "helpers.cuh"\n${transpose.templateSource}`;
    const verdict = await proveVariant({ spec: transpose, params: transpose.baseline, variantSource: source });
    expect(verdict.status).toBe("unproven");
    if (verdict.status === "unproven") expect(verdict.reason).toMatch(/may not include other files/);
  });
});
