// Kernels that are wrong in the ways tuned kernels go wrong are refuted, each with concrete inputs under
// which the exact expected and received values differ; one counterexample is also checked numerically.

import { describe, expect, it } from "vitest";
import { proveVariant, type ProofVerdict } from "../proofs/index.ts";
import { exampleSpec, fixture } from "./fixtures/proofs/specs.ts";

type Refuted = Extract<ProofVerdict, { status: "refuted" }>;

const matmul = exampleSpec("matmul");
const transpose = exampleSpec("transpose-cuda");
const sgemm = exampleSpec("sgemm-cuda");

const CASES = [
  { name: "a wrong index", file: "wrong/wrong-index.c", spec: matmul },
  { name: "a skipped tail", file: "wrong/skipped-tail.c", spec: matmul },
  { name: "an off-by-one tile edge", file: "wrong/off-by-one-tile-edge.c", spec: matmul },
  { name: "a missing accumulation", file: "wrong/missing-accumulation.c", spec: matmul },
  { name: "a transposed operand", file: "wrong/transposed-operand.c", spec: matmul },
  { name: "a result right only for multiples of the tile", file: "wrong/multiples-of-tile.c", spec: matmul },
  { name: "output elements never written", file: "wrong/unwritten-output.c", spec: matmul },
  { name: "an input read out of bounds", file: "wrong/oob-read.c", spec: matmul },
  { name: "a CUDA transpose that copies instead", file: "wrong/transpose-wrong-index.cu", spec: transpose },
  { name: "a CUDA SGEMM that writes past the end of C", file: "wrong/sgemm-unguarded-store.cu", spec: sgemm },
];

async function refute(spec: typeof matmul, file: string): Promise<Refuted> {
  const verdict = await proveVariant({ spec, params: spec.baseline, variantSource: fixture(file) }, { timeMs: 240_000 });
  expect(verdict.status, JSON.stringify(verdict).slice(0, 600)).toBe("refuted");
  return verdict as Refuted;
}

describe("a wrong kernel", () => {
  for (const c of CASES) {
    it(`with ${c.name} is refuted with inputs that show the difference`, async () => {
      const v = await refute(c.spec, c.file);
      expect(v.expected).not.toEqual(v.received);
      const buffers = c.spec.arguments.filter((a) => a.kind === "buffer" && a.intent !== "out");
      expect(Object.keys(v.counterexample).sort()).toEqual(buffers.map((b) => b.name).sort());
      for (const values of Object.values(v.counterexample)) for (const x of values) expect(Number.isInteger(x) && Math.abs(x) <= 33).toBe(true);
      expect(c.spec.arguments.some((a) => a.name === v.output)).toBe(true);
      expect(v.reason.length).toBeGreaterThan(0);
    }, 300_000);
  }

  it("that is right only when the tile divides n is refuted at a size the tile does not divide, and proved at sizes it does", async () => {
    const v = await refute(matmul, "wrong/multiples-of-tile.c");
    expect(v.size.N! % 4).not.toBe(0);
    const multiples = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: fixture("wrong/multiples-of-tile.c"), sizes: [{ N: 4 }, { N: 8 }, { N: 12 }] });
    expect(multiples.status, JSON.stringify(multiples)).toBe("proved");
  }, 300_000);

  it("that writes past the end of an output is refuted with the index it wrote", async () => {
    const v = await refute(sgemm, "wrong/sgemm-unguarded-store.cu");
    const length = v.size.M! * v.size.N!;
    expect(v.output).toBe("Cout");
    expect(v.index).toBeGreaterThanOrEqual(length);
  }, 300_000);

  it("reading past the end of an input is refuted because the value read reaches the output", async () => {
    const v = await refute(matmul, "wrong/oob-read.c");
    expect(v.reason).toMatch(/out-of-bounds read/);
    expect(v.receivedForm).toMatch(/past-the-end/);
  }, 300_000);

  it("with a transposed operand has a counterexample that float64 arithmetic shows far beyond the spec's tolerance", async () => {
    const v = await refute(matmul, "wrong/transposed-operand.c");
    const n = v.size.N!;
    const A = v.counterexample.A!;
    const B = v.counterexample.B!;
    expect(A).toHaveLength(n * n);
    const i = Math.floor(v.index / n);
    const j = v.index % n;
    let reference = 0;
    let wrong = 0;
    for (let k = 0; k < n; k++) {
      reference += A[i * n + k]! * B[k * n + j]!;
      wrong += A[i * n + k]! * B[j * n + k]!;
    }
    // The exact values the proof reports are the ones float64 computes here (small integers are exact).
    expect(Number(v.expected)).toBe(reference);
    expect(Number(v.received)).toBe(wrong);
    const { rtol, atol } = matmul.tolerance.float32!;
    const toleranceUsed = Math.abs(wrong - reference) / (atol + rtol * Math.abs(reference));
    expect(toleranceUsed).toBeGreaterThan(1000);
  }, 300_000);
});
