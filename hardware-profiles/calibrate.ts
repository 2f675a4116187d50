// Builds and runs calibrate.c (single-core FMA throughput and cache/memory bandwidth) on this machine.
// A machine without a C compiler gets null, and detect-local.ts falls back to the theoretical estimate.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

/** Part of the cache key: raising it makes every machine calibrate again after calibrate.c changes. */
export const CALIBRATION_VERSION = 2;

export const CALIBRATION_SOURCE = join(dirname(fileURLToPath(import.meta.url)), "calibrate.c");

const calibrationSchema = z.object({
  fma32_gflops: z.number().positive(),
  fma64_gflops: z.number().positive(),
  l1_gbs: z.number().positive(),
  l2_gbs: z.number().positive(),
  dram_gbs: z.number().positive(),
});

/** What one core measured. */
export interface Calibration {
  fma32Gflops: number;
  fma64Gflops: number;
  l1GBs: number;
  l2GBs: number;
  dramGBs: number;
  compiler: string;
}

export type CalibrationOutcome = { ok: true; calibration: Calibration } | { ok: false; reason: string };

/** Compiles with `compiler` -O3 -march=native and runs the program once (well under three seconds). */
export async function calibrate(cache: { l1dBytes: number; l2Bytes: number }, compiler = process.env.CC ?? "gcc"): Promise<CalibrationOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-calibrate-"));
  const binary = join(dir, "calibrate");
  try {
    try {
      await run(compiler, ["-O3", "-march=native", "-o", binary, CALIBRATION_SOURCE], { timeout: 30_000 });
    } catch (error) {
      return { ok: false, reason: `${compiler} could not build the calibration program (${firstLine(error)})` };
    }
    let stdout: string;
    try {
      ({ stdout } = await run(binary, [String(cache.l1dBytes), String(cache.l2Bytes)], { timeout: 20_000 }));
    } catch (error) {
      return { ok: false, reason: `the calibration program failed (${firstLine(error)})` };
    }
    const parsed = calibrationSchema.safeParse(parseJson(stdout));
    if (!parsed.success) return { ok: false, reason: `the calibration program printed ${JSON.stringify(stdout.trim())}` };
    const m = parsed.data;
    return {
      ok: true,
      calibration: { fma32Gflops: m.fma32_gflops, fma64Gflops: m.fma64_gflops, l1GBs: m.l1_gbs, l2GBs: m.l2_gbs, dramGBs: m.dram_gbs, compiler },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0]!;
}
