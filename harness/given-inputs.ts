// Inputs the caller chose (a proof's counterexample) instead of inputs drawn from a seed: checked against the
// spec's buffers at the given size, and written as the raw little-endian files the trusted programs read from
// the trusted directory (the monitor and the compare program; for CUDA the host half, through a read-only
// view of that one folder). The variant's own directory never holds them.

import { fail } from "../core/errors.ts";
import type { Dtype } from "../specs/schema.ts";
import type { PlannedBuffer } from "./plan.ts";
import type { GivenInputs } from "./types.ts";

const INT_RANGES: Partial<Record<Dtype, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 53), 2 ** 53],
  uint8: [0, 255],
  uint32: [0, 2 ** 32 - 1],
};

/** Whether the dtype holds the value exactly (a rounded input would not be the counterexample any more). */
function exact(dtype: Dtype, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (dtype === "float32") return Math.fround(v) === v;
  if (dtype === "float64") return true;
  const range = INT_RANGES[dtype]!;
  return Number.isInteger(v) && v >= range[0] && v <= range[1];
}

/** Refuses inputs that do not fit the case: a missing or unknown buffer, a wrong length, a value the dtype cannot hold. */
export function checkGivenInputs(inputs: GivenInputs, buffers: readonly PlannedBuffer[], lengths: readonly number[]): void {
  const wanted = buffers.filter((b) => b.intent !== "out").map((b) => b.name);
  for (const name of Object.keys(inputs.values)) {
    if (!wanted.includes(name)) fail("USAGE", `inputs: expected values for the input buffers ${wanted.join(", ")}, received values for ${JSON.stringify(name)}`);
  }
  buffers.forEach((b, i) => {
    if (b.intent === "out") return;
    const values = inputs.values[b.name];
    if (values === undefined) fail("USAGE", `inputs: expected values for ${b.name}, received none`);
    if (values.length !== lengths[i]) fail("USAGE", `inputs: expected ${lengths[i]} values for ${b.name} at ${JSON.stringify(inputs.size)}, received ${values.length}`);
    const bad = values.findIndex((v) => !exact(b.dtype, v));
    if (bad >= 0) fail("USAGE", `inputs: expected values ${b.dtype} holds exactly, received ${values[bad]} at ${b.name}[${bad}]`);
  });
}

/** One buffer's values as the bytes the harness holds in memory. */
export function encodeValues(dtype: Dtype, values: readonly number[]): Buffer {
  const size = dtype === "float64" || dtype === "int64" ? 8 : dtype === "uint8" ? 1 : 4;
  const out = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    const at = i * size;
    switch (dtype) {
      case "float32":
        out.writeFloatLE(v, at);
        break;
      case "float64":
        out.writeDoubleLE(v, at);
        break;
      case "int32":
        out.writeInt32LE(v, at);
        break;
      case "int64":
        out.writeBigInt64LE(BigInt(v), at);
        break;
      case "uint8":
        out.writeUInt8(v, at);
        break;
      default:
        out.writeUInt32LE(v, at);
    }
  });
  return out;
}

/** The file a given input buffer is read from, relative to the inputs folder. */
export function givenInputFile(caseIndex: number, buffer: string): string {
  return `c${caseIndex}_${buffer}.bin`;
}
