// Parses the resource report `nvcc -Xptxas -v` prints into CompileStats. The report is a sequence of
// "Compiling entry function 'k' for 'sm_90'" blocks, one per kernel per target architecture, each with a
// "Function properties" line pair and a "Used N registers, ..." line; non-entry device functions get a
// "Function properties" pair only. Field order and presence vary between toolkit versions (CUDA 13 prints
// no cmem and adds "cumulative stack size"), so every field is read by its own pattern and absent stays absent.

import type { CompileStats } from "./types.ts";

export interface PtxasFunction {
  name: string;
  /** Target architecture of the pass that reported it, e.g. "sm_90"; "" when the report names none. */
  arch: string;
  entry: boolean;
  registers?: number;
  /** Static shared memory ("bytes smem"). */
  sharedMemoryBytes?: number;
  barriers?: number;
  stackFrameBytes?: number;
  spillStoreBytes?: number;
  spillLoadBytes?: number;
  cumulativeStackBytes?: number;
  /** Constant banks, "cmem[0]" -> bytes (older toolkits and some targets only). */
  constantBytes: Record<string, number>;
  /** The register cap a -maxrregcount or __launch_bounds__ imposed, when ptxas said so. */
  registerLimit?: number;
}

export interface PtxasReport {
  functions: PtxasFunction[];
  /** Lines ptxas flagged as warnings or errors, verbatim. */
  warnings: string[];
  /** The report exactly as captured, kept as evidence. */
  raw: string;
}

const ENTRY = /Compiling entry function '([^']+)' for '([^']+)'/;
const PROPERTIES = /Function properties for (\S+)/;
const FRAME = /(\d+) bytes stack frame,\s*(\d+) bytes spill stores,\s*(\d+) bytes spill loads/;
const USED = /Used (\d+) registers/;
const OVERRIDE = /Overriding maximum register limit \d+ for '([^']+)' with\s+(\d+)/;

function field(line: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(line);
  return m ? Number(m[1]) : undefined;
}

export function parsePtxas(raw: string): PtxasReport {
  const functions: PtxasFunction[] = [];
  const warnings: string[] = [];
  const pendingLimits = new Map<string, number>();
  let arch = "";
  let entry: PtxasFunction | undefined;
  let propertiesOf: PtxasFunction | undefined;

  const find = (name: string): PtxasFunction => {
    if (entry && entry.name === name) return entry;
    const fn: PtxasFunction = { name, arch, entry: false, constantBytes: {} };
    functions.push(fn);
    return fn;
  };

  for (const line of raw.split(/\r?\n/)) {
    if (/ptxas (warning|error|fatal)/i.test(line)) warnings.push(line.trim());
    let m: RegExpExecArray | null;
    if ((m = OVERRIDE.exec(line))) {
      pendingLimits.set(m[1]!, Number(m[2]));
      continue;
    }
    if ((m = ENTRY.exec(line))) {
      arch = m[2]!;
      entry = { name: m[1]!, arch, entry: true, constantBytes: {} };
      const limit = pendingLimits.get(entry.name);
      if (limit !== undefined) entry.registerLimit = limit;
      functions.push(entry);
      propertiesOf = undefined;
      continue;
    }
    if ((m = PROPERTIES.exec(line))) {
      propertiesOf = find(m[1]!);
      continue;
    }
    if ((m = FRAME.exec(line)) && propertiesOf) {
      propertiesOf.stackFrameBytes = Number(m[1]);
      propertiesOf.spillStoreBytes = Number(m[2]);
      propertiesOf.spillLoadBytes = Number(m[3]);
      propertiesOf = undefined;
      continue;
    }
    if (USED.test(line) && entry) {
      entry.registers = field(line, USED);
      const barriers = field(line, /used (\d+) barriers/);
      if (barriers !== undefined) entry.barriers = barriers;
      const smem = field(line, /(\d+) bytes smem/);
      if (smem !== undefined) entry.sharedMemoryBytes = smem;
      const cumulative = field(line, /(\d+) bytes cumulative stack size/);
      if (cumulative !== undefined) entry.cumulativeStackBytes = cumulative;
      for (const c of line.matchAll(/(\d+) bytes (cmem\[\d+\])/g)) entry.constantBytes[c[2]!] = Number(c[1]);
      continue;
    }
  }
  // Entries ptxas reported without any "smem" field use no static shared memory; older formats omit barriers too.
  for (const fn of functions) if (fn.entry && fn.registers !== undefined) fn.sharedMemoryBytes ??= 0;
  return { functions, warnings, raw };
}

/** True when `symbol` is `kernel` itself (extern "C") or its Itanium-mangled form (_Z<len><kernel>...). */
export function namesKernel(symbol: string, kernel: string): boolean {
  return symbol === kernel || symbol.startsWith(`_Z${kernel.length}${kernel}`);
}

/** The entry for `kernel` compiled for `arch` (or the only architecture reported when `arch` is omitted). */
export function findEntry(report: PtxasReport, kernel: string, arch?: string): PtxasFunction | undefined {
  return report.functions.find((f) => f.entry && namesKernel(f.name, kernel) && (arch === undefined || f.arch === arch));
}

export function compileStatsFromEntry(fn: PtxasFunction): CompileStats {
  const stats: CompileStats = {};
  if (fn.registers !== undefined) stats.registersPerThread = fn.registers;
  if (fn.sharedMemoryBytes !== undefined) stats.sharedMemoryBytes = fn.sharedMemoryBytes;
  if (fn.spillStoreBytes !== undefined) stats.spillStoreBytes = fn.spillStoreBytes;
  if (fn.spillLoadBytes !== undefined) stats.spillLoadBytes = fn.spillLoadBytes;
  if (fn.stackFrameBytes !== undefined) stats.stackFrameBytes = fn.stackFrameBytes;
  if (fn.barriers !== undefined) stats.barriers = fn.barriers;
  return stats;
}
