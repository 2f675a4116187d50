// An empty inline-assembly statement with no operands is a compiler barrier (kernels use it to keep a
// repeated pass): it emits nothing, so the proof reads it as a no-op. Any other inline assembly is code the
// proof cannot read.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { proveVariant } from "../proofs/index.ts";
import { loadSpec } from "../specs/load.ts";

const DIR = join(import.meta.dirname, "fixtures", "fast-kernel");
const spec = loadSpec(DIR);
const template = readFileSync(join(DIR, "scale.c"), "utf8");
const BARRIER = '__asm__ volatile("" ::: "memory");';
const params = { UNROLL: 1, PASSES: 4, FLAVOR: "plain" };
const prove = (source: string) => proveVariant({ spec, params, variantSource: source, bound: 4 });

describe("inline assembly in a proof", () => {
  it("proves a kernel whose only assembly is an empty barrier, and refutes a wrong one beside the same barrier", async () => {
    expect(template).toContain(BARRIER);
    expect((await prove(template)).status).toBe("proved");
    expect((await prove(template.replace("y[i] = 2.0f * x[i] + 1.0f;", "y[i] = 2.0f * x[i];"))).status).toBe("refuted");
  });

  it.each([
    ["an instruction", '__asm__ volatile("nop" ::: "memory");'],
    ["an operand", '__asm__ volatile("" : : "r"(y) : "memory");'],
    ["an output", '__asm__ volatile("" : "+r"(n));'],
    ["a clobbered register", '__asm__ volatile("" ::: "rax");'],
  ])("leaves a kernel unproven when its assembly has %s", async (_what, asm) => {
    const verdict = await prove(template.replace(BARRIER, asm));
    expect(verdict.status).toBe("unproven");
    expect(verdict.status === "unproven" && verdict.reason).toContain("inline assembly");
  });
});
