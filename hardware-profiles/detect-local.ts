// The "local" profile: this machine's CPU, detected from /proc and /sys, with peaks from a short
// calibration. The peaks set the physics floor (a time below bytes / peak bandwidth or flops / peak rate
// is rejected as impossible), so they must be upper bounds, cache-resident data included. The result is
// cached per CPU model and core count so only the first run on a machine pays for the calibration.

import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, homedir } from "node:os";
import { join } from "node:path";
import { makeDirectory } from "../core/make-dir.ts";
import { FILE_KINDS, readBoundedFile } from "../core/read-file.ts";
import { calibrate, CALIBRATION_VERSION, type Calibration } from "./calibrate.ts";
import { hardwareProfileSchema, type CpuInfo, type HardwareProfile } from "./schema.ts";

/**
 * Measured single-core rates are multiplied by the core count and then by this factor. The calibration
 * loop is compiler-generated and may share the machine with other work, while a tuned kernel may beat it;
 * doubling keeps the floor from ever rejecting a time that was really achieved.
 */
export const PEAK_SAFETY_FACTOR = 2;

/** FMA pipes per core assumed by the theoretical estimate (two on current x86 and Arm server cores). */
const FMA_PIPES = 2;
/** Vector loads plus stores per cycle assumed by the theoretical bandwidth estimate. */
const MEMORY_OPS_PER_CYCLE = 3;

export interface CpuFacts {
  model: string;
  cores: number;
  threads: number;
  cacheBytes: CpuInfo["cacheBytes"];
  /** Highest known clock in MHz, or null when the system does not say. */
  maxMHz: number | null;
  /** float32 lanes in the widest vector unit the flags advertise. */
  simdFloat32Lanes: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** "48K" / "2M" / "1024 KB" -> bytes. */
export function parseCacheSize(text: string): number | null {
  const m = /^\s*(\d+)\s*([KMG]?)i?B?\s*$/i.exec(text);
  if (!m) return null;
  const scale = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * scale;
}

function readCaches(): CpuInfo["cacheBytes"] {
  const base = "/sys/devices/system/cpu/cpu0/cache";
  const found = { l1d: 0, l2: 0, l3: 0 };
  const entries = existsSync(base) ? readdirSync(base).filter((e) => /^index\d+$/.test(e)) : [];
  for (const entry of entries) {
    const level = readText(join(base, entry, "level"))?.trim();
    const type = readText(join(base, entry, "type"))?.trim();
    const size = parseCacheSize(readText(join(base, entry, "size")) ?? "");
    if (!size) continue;
    if (level === "1" && type === "Data") found.l1d = size;
    else if (level === "2") found.l2 = size;
    else if (level === "3") found.l3 = size;
  }
  // Typical sizes when /sys is unavailable (containers, non-Linux): only used to size calibration buffers.
  return { l1d: found.l1d || 32 * 1024, l2: found.l2 || 512 * 1024, l3: found.l3 };
}

function field(block: string, name: string): string | undefined {
  const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(block);
  return m?.[1]?.trim();
}

/** Reads what the operating system says about the CPU. */
export function readCpuFacts(): CpuFacts {
  const info = readText("/proc/cpuinfo") ?? "";
  const blocks = info.split(/\n\s*\n/).filter((b) => b.trim() !== "");
  const logical = cpus();
  const model = (blocks.length > 0 ? (field(blocks[0]!, "model name") ?? field(blocks[0]!, "Model") ?? field(blocks[0]!, "Hardware")) : undefined) ?? logical[0]?.model ?? "unknown CPU";
  const threads = Math.max(1, logical.length, blocks.filter((b) => field(b, "processor") !== undefined).length);
  const physical = new Set(blocks.map((b) => `${field(b, "physical id") ?? "0"}:${field(b, "core id") ?? field(b, "processor")}`));
  const cores = Math.min(threads, Math.max(1, blocks.some((b) => field(b, "core id") !== undefined) ? physical.size : threads));

  const maxKHz = Number(readText("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")?.trim());
  const reportedMHz = blocks.map((b) => Number(field(b, "cpu MHz"))).filter((v) => Number.isFinite(v) && v > 0);
  const osMHz = logical.map((c) => c.speed).filter((v) => v > 0);
  const candidates = [Number.isFinite(maxKHz) && maxKHz > 0 ? maxKHz / 1000 : 0, ...reportedMHz, ...osMHz];
  const maxMHz = Math.max(0, ...candidates) || null;

  const flags = ` ${field(blocks[0] ?? "", "flags") ?? field(blocks[0] ?? "", "Features") ?? ""} `;
  const simdFloat32Lanes = / (avx512f|sve) /.test(flags) ? 16 : / (avx2|avx) /.test(flags) ? 8 : 4;
  return { model: model.replace(/\s+/g, " "), cores, threads, cacheBytes: readCaches(), maxMHz, simdFloat32Lanes };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Peaks as upper bounds: the larger of calibration x cores x safety and the theoretical estimate. */
export function derivePeaks(facts: CpuFacts, calibration: Calibration | null, calibrationNote: string): Pick<CpuInfo, "peakBandwidthGBs" | "peakGflops" | "peakSource"> {
  // Without a known clock the estimate assumes 5 GHz, above any shipping server core.
  const ghz = (facts.maxMHz ?? 5000) / 1000;
  const theory32 = facts.cores * ghz * facts.simdFloat32Lanes * 2 * FMA_PIPES;
  const theoryBandwidth = facts.cores * ghz * facts.simdFloat32Lanes * 4 * MEMORY_OPS_PER_CYCLE;
  const scale = facts.cores * PEAK_SAFETY_FACTOR;
  const measured32 = calibration ? calibration.fma32Gflops * scale : 0;
  const measured64 = calibration ? calibration.fma64Gflops * scale : 0;
  const measuredBandwidth = calibration ? Math.max(calibration.l1GBs, calibration.l2GBs, calibration.dramGBs) * scale : 0;
  const theoryText =
    `theoretical ${facts.cores} cores x ${round1(ghz)} GHz${facts.maxMHz ? "" : " (assumed)"} x ${facts.simdFloat32Lanes} fp32 lanes x 2 (FMA) x ${FMA_PIPES} pipes ` +
    `= ${round1(theory32)} GFLOP/s, ${facts.simdFloat32Lanes * 4} B x ${MEMORY_OPS_PER_CYCLE} accesses per cycle = ${round1(theoryBandwidth)} GB/s`;
  const measuredText = calibration
    ? `calibrated per core with ${calibration.compiler} -O3 -march=native: ${round1(calibration.fma32Gflops)} GFLOP/s fp32, ${round1(calibration.fma64Gflops)} fp64, ` +
      `L1 ${round1(calibration.l1GBs)} GB/s, L2 ${round1(calibration.l2GBs)}, DRAM ${round1(calibration.dramGBs)}; scaled x ${facts.cores} cores x safety ${PEAK_SAFETY_FACTOR}`
    : `not calibrated (${calibrationNote})`;
  return {
    peakGflops: { float32: round1(Math.max(measured32, theory32)), float64: round1(Math.max(measured64, theory32 / 2)) },
    peakBandwidthGBs: round1(Math.max(measuredBandwidth, theoryBandwidth)),
    peakSource: `max of: ${measuredText}; ${theoryText}`,
  };
}

export function localCacheFile(): string {
  return join(process.env.NIGHTSHIFT_CACHE_DIR ?? join(homedir(), ".cache", "nightshift"), "local-profile.json");
}

export function cacheKey(facts: Pick<CpuFacts, "model" | "cores">): string {
  return `${facts.model} | ${facts.cores} cores | calibration v${CALIBRATION_VERSION}`;
}

function readCached(file: string, key: string): HardwareProfile | null {
  // $NIGHTSHIFT_CACHE_DIR is the user's: whatever sits there is read only if it is a small regular file.
  const read = readBoundedFile(file, FILE_KINDS.profile);
  if (!read.ok) return null;
  try {
    const stored = JSON.parse(read.bytes.toString("utf8")) as { key?: unknown; profile?: unknown };
    if (stored.key !== key) return null;
    const parsed = hardwareProfileSchema.safeParse(stored.profile);
    return parsed.success && parsed.data.cpu ? parsed.data : null;
  } catch {
    // A damaged cache is rebuilt, not reported: it holds nothing the calibration cannot recompute.
    return null;
  }
}

function writeCached(file: string, key: string, profile: HardwareProfile): void {
  // A cache that cannot be written costs the next run a calibration, nothing more.
  if (!makeDirectory(join(file, "..")).ok) return;
  // Written beside and renamed, so a concurrent reader never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify({ key, createdAt: new Date().toISOString(), profile }, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== "string") throw error;
  }
}

export interface DetectOptions {
  /** Ignore the cached profile and calibrate again. */
  refresh?: boolean;
}

/** The profile of this machine, from the cache when the CPU is the one that was calibrated. */
export async function detectLocalProfile(options: DetectOptions = {}): Promise<HardwareProfile> {
  const facts = readCpuFacts();
  const key = cacheKey(facts);
  const file = localCacheFile();
  if (!options.refresh) {
    const cached = readCached(file, key);
    if (cached) return cached;
  }
  const outcome = await calibrate({ l1dBytes: facts.cacheBytes.l1d, l2Bytes: facts.cacheBytes.l2 });
  const peaks = derivePeaks(facts, outcome.ok ? outcome.calibration : null, outcome.ok ? "" : outcome.reason);
  const profile = hardwareProfileSchema.parse({
    name: "local",
    description: `${facts.model}, ${facts.cores} cores / ${facts.threads} threads (detected on this machine)`,
    kind: "cpu",
    reach: { via: "local", builds: Math.min(facts.cores, 4), timing: "exclusive" },
    cpu: { model: facts.model, cores: facts.cores, threads: facts.threads, cacheBytes: facts.cacheBytes, ...peaks },
    sources: ["/proc/cpuinfo", "/sys/devices/system/cpu/cpu0/cache/index*/size", "os.cpus()", outcome.ok ? "calibration: hardware-profiles/calibrate.c" : "theoretical estimate only"],
  });
  // An uncalibrated profile is not cached: the next run tries the calibration again.
  if (outcome.ok) writeCached(file, key, profile);
  return profile;
}
