// Runs a kernel (or the reference) as the harness would call it at one size, on symbolic inputs, and
// returns the output buffers' final values or what stopped the run.

import { BINARY32, BINARY64, roundToFormat } from "../exact/float-format.ts";
import { Poly } from "../exact/poly.ts";
import { qFromDouble } from "../exact/rational.ts";
import { typeToString, TC, unqualified, type CType } from "../c/types.ts";
import type { ProgramInfo } from "../interp/context.ts";
import { launch, type LaunchGeometry } from "../interp/cuda-launch.ts";
import { Finding, type At } from "../interp/findings.ts";
import { invoke } from "../interp/invoke.ts";
import { newObject, Ptr, type MemObject } from "../interp/memory.ts";
import { resetRuntime, rt, type OobRead } from "../interp/runtime.ts";
import type { Layout } from "./layout.ts";

export type RunResult =
  | { readonly kind: "outputs"; readonly outputs: ReadonlyMap<string, readonly Poly[]>; readonly oobReads: readonly OobRead[]; readonly poisonRead: At | null; readonly steps: number }
  | { readonly kind: "finding"; readonly finding: Finding; readonly steps: number };

export interface RunRequest {
  readonly program: ProgramInfo;
  readonly entry: string;
  readonly layout: Layout;
  /** CUDA: the launch; absent for a C function call. */
  readonly geometry?: LaunchGeometry;
  readonly stepLimit: number;
  readonly reference: boolean;
}

const NOWHERE: At = { line: 0, file: "<harness>" };

function signatureProblem(params: readonly { type: CType }[], layout: Layout): string | undefined {
  if (params.length !== layout.args.length) return `the kernel takes ${params.length} parameters, the spec passes ${layout.args.length} arguments`;
  for (let k = 0; k < params.length; k++) {
    const t = unqualified(params[k]!.type);
    const a = layout.args[k]!;
    if (a.kind === "buffer") {
      if (t.k !== "ptr") return `parameter ${k + 1} is ${typeToString(t)}, the spec passes the buffer ${a.buffer.name}`;
      continue;
    }
    const ok = a.dtype === "float32" ? t.k === "float" && t.size === 4 : a.dtype === "float64" ? t.k === "float" && t.size === 8 : t.k === "int" && !t.isBool && t.size === (a.dtype === "int64" ? 8 : a.dtype === "uint8" ? 1 : 4);
    if (!ok) return `parameter ${k + 1} is ${typeToString(t)}, the spec passes ${a.name} as ${a.dtype}`;
  }
  return undefined;
}

function bufferObject(b: Layout["buffers"][number], cuda: boolean): MemObject {
  const bytes = b.dtype === "float32" ? 4 : 8;
  const tc = b.dtype === "float32" ? TC.F32 : TC.F64;
  // The harness allocates with aligned_alloc(64) on the CPU; cudaMalloc aligns to 256 bytes.
  const obj = newObject(b.name, b.length * bytes, cuda ? 256 : 64, "buffer", b.intent === "in", bytes);
  if (b.intent === "out") obj.poison = new Uint8Array(b.length * bytes);
  for (let i = 0; i < b.length; i++) {
    obj.codes[i * bytes] = tc;
    obj.vals[i * bytes] = Poly.variable(b.first + i);
    if (obj.poison !== null) obj.poison[i * bytes] = 1;
  }
  return obj;
}

export function runKernel(req: RunRequest): RunResult {
  const { program, layout } = req;
  resetRuntime(req.stepLimit, layout.firstFree, req.reference);
  try {
    const defs = program.functions.get(req.entry);
    if (!defs || defs.length !== 1) throw new Finding("unproven", defs ? `${req.entry} is defined more than once` : `the kernel ${req.entry} is not defined in the source`, NOWHERE);
    const entry = defs[0]!;
    const where: At = { line: entry.def.line, file: entry.def.file };
    const problem = signatureProblem(entry.def.type.params ?? [], layout);
    if (problem) throw new Finding("unproven", problem, where);
    const objects = new Map<string, MemObject>();
    const cuda = req.geometry !== undefined;
    const args = layout.args.map((a) => {
      if (a.kind === "buffer") {
        const obj = bufferObject(a.buffer, cuda);
        objects.set(a.buffer.name, obj);
        return new Ptr(obj, 0, null);
      }
      if (a.value.kind === "int") return a.value.value;
      const fmt = a.dtype === "float32" ? BINARY32 : BINARY64;
      return Poly.constant(roundToFormat(qFromDouble(a.value.value), fmt).value, true);
    });
    if (req.geometry) {
      if (!entry.def.cuda.global) throw new Finding("unproven", `${req.entry} is not a __global__ kernel`, where);
      launch(program, entry, args, req.geometry, where);
    } else invoke(program, entry, args, where, false);
    const outputs = new Map<string, Poly[]>();
    for (const b of layout.buffers) {
      if (b.intent === "in") continue;
      const obj = objects.get(b.name)!;
      const bytes = obj.elemSize;
      const tc = b.dtype === "float32" ? TC.F32 : TC.F64;
      const values: Poly[] = new Array(b.length);
      for (let i = 0; i < b.length; i++) {
        if (obj.codes[i * bytes] !== tc) throw new Finding("unproven", `${b.name}[${i}] is left holding something other than a ${b.dtype} value`, where);
        values[i] = obj.vals[i * bytes] as Poly;
      }
      outputs.set(b.name, values);
    }
    return { kind: "outputs", outputs, oobReads: rt.oobReads, poisonRead: rt.poisonRead, steps: rt.steps };
  } catch (err) {
    if (err instanceof Finding) return { kind: "finding", finding: err, steps: rt.steps };
    // The interpreter's own failure (a bug, or a JS limit such as the call stack) proves nothing either way.
    const message = err instanceof Error ? err.message : String(err);
    return { kind: "finding", finding: new Finding("unproven", `the interpreter failed: ${message}`), steps: rt.steps };
  }
}
