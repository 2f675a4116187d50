// Builds one variant without running it and reports what the compiler says about it: for CUDA the ptxas
// resource report (registers, static shared memory, spills, stack, barriers) and the theoretical occupancy on
// the device profile with its limiting factor; for C the object size. Needs a compiler, never a device, so it
// answers "will this fit, and how well" on a laptop for a GPU in a data centre.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fail } from "../../core/errors.ts";
import type { HardwareProfile } from "../../hardware-profiles/schema.ts";
import type { BuildInfo, CompileStats, Variant } from "../../runners/types.ts";
import { FILES, makeHarnessPlan } from "../plan.ts";
import { compileStatsFromEntry, findEntry, parsePtxas, type PtxasFunction } from "../ptxas.ts";
import { checkSymbols, parseNm, type SymbolVerdict } from "../symbols.ts";
import { sha256 } from "../variant.ts";
import { theoreticalOccupancy, toOccupancy, type OccupancyDetail } from "../occupancy.ts";
import { CUDA_FILES, cudaBuildCommands, requireGpu } from "./build.ts";
import { evaluateLaunch, launchProblem, threadsPerBlock, type LaunchGeometry } from "./launch.ts";
import { checkCudaSymbols } from "./symbols.ts";

export interface CompileOnlySummary extends CompileStats {
  theoreticalOccupancy?: number;
  occupancyLimitedBy?: string;
  activeBlocksPerSM?: number;
}

export interface CompileOnlyReport {
  variantHash: string;
  device: string;
  language: "c" | "cuda";
  /** ok: built and the symbol policy holds; compile_error: the compiler refused; rejected: built but breaks the symbol policy. */
  status: "ok" | "compile_error" | "rejected";
  summary: CompileOnlySummary;
  build?: BuildInfo;
  /** Everything the compiler printed (for CUDA, the raw ptxas report). */
  log: string;
  symbols?: SymbolVerdict;
  /** CUDA: the kernel's ptxas entry for the profile's architecture. */
  ptxas?: PtxasFunction;
  /** CUDA: the launch at the tuning size, and why it cannot launch when it cannot. */
  launch?: LaunchGeometry;
  launchProblem?: string;
  occupancy?: OccupancyDetail;
  detail?: string;
}

export interface CompileOnlyOptions {
  /** Keep the build directory (its path is in the report's detail). */
  keep?: boolean;
  timeoutMs?: number;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(argv: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      const why = error && typeof error.code === "string" ? `\n${argv[0]}: ${error.message}` : "";
      resolve({ code, stdout, stderr: stderr + why, ms: performance.now() - started });
    });
  });
}

export async function compileOnly(variant: Variant, device: HardwareProfile, options: CompileOnlyOptions = {}): Promise<CompileOnlyReport> {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-compile-"));
  try {
    const report = variant.spec.language === "cuda" ? await compileCuda(variant, device, dir, options) : await compileC(variant, device, dir, options);
    return options.keep ? { ...report, detail: [report.detail, `build directory kept at ${dir}`].filter(Boolean).join("; ") } : report;
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

async function compileCuda(variant: Variant, device: HardwareProfile, dir: string, options: CompileOnlyOptions): Promise<CompileOnlyReport> {
  const gpu = requireGpu(device.gpu, device.name);
  const commands = cudaBuildCommands(variant.spec, variant.params, gpu);
  writeFileSync(join(dir, CUDA_FILES.variantSource), variant.source);
  const built = await run(commands.compileVariant, dir, options.timeoutMs ?? 300_000);
  const log = built.stdout + built.stderr;
  const base = { variantHash: variant.hash, device: device.name, language: "cuda" as const, log };
  if (built.code !== 0) return { ...base, status: "compile_error", summary: {}, detail: built.code === null ? "nvcc did not finish (timed out or could not start)" : `nvcc exited with ${built.code}` };

  const ptxas = findEntry(parsePtxas(log), variant.spec.kernel, gpu.arch);
  const stats: CompileStats = ptxas ? compileStatsFromEntry(ptxas) : {};
  stats.objectBytes = statSync(join(dir, CUDA_FILES.variantObject)).size;
  const launch = evaluateLaunch(variant.spec, variant.params, variant.spec.problem.tune);
  const problem = launchProblem(launch, gpu);
  const occupancy = ptxas?.registers !== undefined
    ? theoreticalOccupancy(gpu, {
        registersPerThread: ptxas.registers,
        staticSharedBytes: ptxas.sharedMemoryBytes ?? 0,
        dynamicSharedBytes: launch.dynamicSharedBytes,
        threadsPerBlock: threadsPerBlock(launch),
        barriers: ptxas.barriers ?? 0,
      })
    : undefined;
  const nm = await run(commands.listSymbols, dir, 60_000);
  const symbols = nm.code === 0 ? checkCudaSymbols(parseNm(nm.stdout), variant.spec.kernel, variant.spec.allowedSymbols) : undefined;
  const build: BuildInfo = {
    compiledSourceHash: sha256(variant.source),
    command: commands.compileVariant,
    buildMs: built.ms,
    stats,
    ...(occupancy ? { occupancy: toOccupancy(occupancy) } : {}),
  };
  const summary: CompileOnlySummary = {
    ...stats,
    ...(occupancy ? { theoreticalOccupancy: occupancy.theoretical, occupancyLimitedBy: occupancy.limitedBy, activeBlocksPerSM: occupancy.activeBlocksPerSM } : {}),
  };
  const notes = [
    ptxas ? undefined : `ptxas reported no entry for kernel ${variant.spec.kernel} on ${gpu.arch}`,
    nm.code === 0 ? undefined : `nm failed: ${nm.stderr.trim()}`,
    occupancy?.impossible,
  ].filter((n): n is string => Boolean(n));
  return {
    ...base,
    status: symbols && !symbols.ok ? "rejected" : "ok",
    summary,
    build,
    symbols,
    ...(ptxas ? { ptxas } : {}),
    launch,
    ...(problem ? { launchProblem: problem } : {}),
    ...(occupancy ? { occupancy } : {}),
    ...(symbols && !symbols.ok ? { detail: symbols.detail } : notes.length > 0 ? { detail: notes.join("; ") } : {}),
  };
}

async function compileC(variant: Variant, device: HardwareProfile, dir: string, options: CompileOnlyOptions): Promise<CompileOnlyReport> {
  if (variant.spec.language !== "c") fail("INTERNAL", `compile-only: unknown language ${variant.spec.language}`);
  const plan = makeHarnessPlan(variant.spec, variant.params, device);
  writeFileSync(join(dir, FILES.variantSource), variant.source);
  const built = await run(plan.commands.compileVariant, dir, options.timeoutMs ?? plan.limits.buildMs);
  const log = built.stdout + built.stderr;
  const base = { variantHash: variant.hash, device: device.name, language: "c" as const, log };
  if (built.code !== 0) return { ...base, status: "compile_error", summary: {}, detail: built.code === null ? "gcc did not finish (timed out or could not start)" : `gcc exited with ${built.code}` };
  const stats: CompileStats = { objectBytes: statSync(join(dir, FILES.variantObject)).size };
  const nm = await run(plan.commands.listSymbols, dir, 60_000);
  const symbols = nm.code === 0
    ? checkSymbols(parseNm(nm.stdout), { kernel: variant.spec.kernel, allowed: variant.spec.allowedSymbols, openmp: plan.commands.compileVariant.includes("-fopenmp") })
    : undefined;
  return {
    ...base,
    status: symbols && !symbols.ok ? "rejected" : "ok",
    summary: { ...stats },
    build: { compiledSourceHash: sha256(variant.source), command: plan.commands.compileVariant, buildMs: built.ms, stats },
    symbols,
    ...(symbols && !symbols.ok ? { detail: symbols.detail } : nm.code === 0 ? {} : { detail: `nm failed: ${nm.stderr.trim()}` }),
  };
}

/** One screen of text for `nightshift measure --compile-only`. */
export function describeCompileOnly(report: CompileOnlyReport): string {
  const s = report.summary;
  const head = `${report.language} variant ${report.variantHash} for ${report.device}: ${report.status}`;
  if (report.status === "compile_error") return `${head}${report.detail ? ` (${report.detail})` : ""}\n${report.log.trimEnd().split("\n").map((l) => `  ${l}`).join("\n")}`;
  const lines = [head];
  if (report.language === "cuda") {
    lines.push(
      `  registers/thread ${s.registersPerThread ?? "?"}, static shared memory ${s.sharedMemoryBytes ?? "?"} B, spills ${s.spillStoreBytes ?? "?"} B stored / ${s.spillLoadBytes ?? "?"} B loaded, stack frame ${s.stackFrameBytes ?? "?"} B, barriers ${s.barriers ?? "?"}`,
    );
    if (report.launch) lines.push(`  launch at the tuning size: grid ${report.launch.grid.join("x")}, block ${report.launch.block.join("x")}, dynamic shared memory ${report.launch.dynamicSharedBytes} B${report.launchProblem ? ` (cannot launch: ${report.launchProblem})` : ""}`);
    if (report.occupancy) {
      const o = report.occupancy;
      lines.push(`  theoretical occupancy ${(o.theoretical * 100).toFixed(1)}% (${o.activeBlocksPerSM} blocks, ${o.activeWarpsPerSM} warps per SM), limited by ${o.limitingFactors.join(" = ")}${o.impossible ? `: ${o.impossible}` : ""}`);
    }
  }
  lines.push(`  object ${s.objectBytes ?? "?"} bytes`);
  if (report.detail) lines.push(`  ${report.detail}`);
  return lines.join("\n");
}
