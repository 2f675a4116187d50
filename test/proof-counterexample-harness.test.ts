// A proof's counterexample is evidence only if the harness sees the difference too: each wrong C kernel the
// proof refutes is run through the real harness (sandbox, monitor, compare program) on exactly the
// counterexample's inputs at its size, and the harness must reject it there.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { failureMessage } from "../harness/failure-message.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import { isKernelFault } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { proveVariant } from "../proofs/index.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";

const ROOT = join(import.meta.dirname, "..");
const WRONG = join(import.meta.dirname, "fixtures", "proofs", "wrong");
const matmul = loadSpec(join(ROOT, "examples", "matmul"));

let executor: LocalExecutor;
let device: HardwareProfile;
beforeAll(async () => {
  executor = new LocalExecutor();
  device = await loadProfile("local");
});
afterAll(() => executor.close());

describe("a refuted kernel's counterexample, replayed through the harness", () => {
  it.each([
    ["a wrong index", "wrong-index.c"],
    ["a skipped tail", "skipped-tail.c"],
    ["an off-by-one tile edge", "off-by-one-tile-edge.c"],
    ["a missing accumulation", "missing-accumulation.c"],
    ["a transposed operand", "transposed-operand.c"],
    ["a result right only for multiples of the tile", "multiples-of-tile.c"],
    ["output elements never written", "unwritten-output.c"],
  ])("with %s is rejected by the harness on exactly those inputs", async (_name, file) => {
    const source = readFileSync(join(WRONG, file), "utf8");
    const verdict = await proveVariant({ spec: matmul, params: matmul.baseline, variantSource: source }, { timeMs: 240_000 });
    expect(verdict.status, JSON.stringify(verdict).slice(0, 400)).toBe("refuted");
    if (verdict.status !== "refuted") return;
    const inputs = { size: verdict.size, values: verdict.counterexample };
    const result = await evaluateVariant(executor, makeVariant(matmul, matmul.baseline, { source, origin: "file" }), device, { inputs });
    expect(result.givenInputs).toEqual(inputs);
    expect(isKernelFault(result), failureMessage(result)).toBe(true);
    expect(result.status).toBe("wrong_result");
  }, 300_000);
});
