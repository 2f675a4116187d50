// `nightshift measure --compile-only`: the protocol's compile step (protocol.ts) without linking or running,
// reported with what the compiler says: for CUDA the ptxas resource report (registers, static shared memory,
// spills, stack, barriers) and the theoretical occupancy on the device profile with its limiting factor; for C
// the object size. Needs a compiler, never a device, so it answers "will this fit, and how well" on a laptop
// for a GPU in a data centre.

import { fail } from "../core/errors.ts";
import { isInfraFault } from "../core/infra-fault.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { LaunchGeometry } from "./cuda/launch.ts";
import type { OccupancyDetail } from "./occupancy.ts";
import { compileOnlyStep, type ProtocolOptions } from "./protocol.ts";
import type { PtxasFunction } from "./ptxas.ts";
import type { SymbolVerdict } from "./symbols.ts";
import type { BuildInfo, CompileStats, Executor, Variant } from "./types.ts";

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

export async function compileOnly(executor: Executor, variant: Variant, device: HardwareProfile, options: ProtocolOptions = {}): Promise<CompileOnlyReport> {
  const outcome = await compileOnlyStep(executor, variant, device, options).catch((error: unknown) => {
    if (isInfraFault(error)) fail("BUILD_FAILED", `compile-only on ${device.name}: ${error.message}`);
    throw error;
  });
  const details = outcome.facts.details as Pick<CompileOnlyReport, "ptxas" | "launch" | "launchProblem" | "occupancy">;
  const occupancy = details.occupancy;
  const base = { variantHash: variant.hash, device: device.name, language: variant.spec.language, log: outcome.log };
  if (outcome.status === "compile_error") return { ...base, status: "compile_error", summary: {}, ...(outcome.detail ? { detail: outcome.detail } : {}) };
  const summary: CompileOnlySummary = {
    ...outcome.build.stats,
    ...(occupancy ? { theoreticalOccupancy: occupancy.theoretical, occupancyLimitedBy: occupancy.limitedBy, activeBlocksPerSM: occupancy.activeBlocksPerSM } : {}),
  };
  const notes = outcome.status === "rejected" && outcome.detail ? [outcome.detail] : outcome.facts.notes;
  return {
    ...base,
    status: outcome.status,
    summary,
    build: outcome.build,
    ...(outcome.symbols ? { symbols: outcome.symbols } : {}),
    ...details,
    ...(notes.length > 0 ? { detail: notes.join("; ") } : {}),
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
