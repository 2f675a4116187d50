// A finished two-device campaign in a real store, shaped like a night of tuning: a baseline, improvements,
// failures of every common kind, a confirmation that caught a wrong result, a model rewrite the critic
// accepted, ledger lessons and model calls.

import { join } from "node:path";
import type { EvalResult, Roofline, Variant } from "../harness/types.ts";
import { openStore } from "../results/store.ts";
import type { Incumbent, Store } from "../results/types.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { compileError, configFor, cpuProfile, infraError, okResult, rejected, variantOf, writeSpecFolder } from "./store-fixtures.ts";

export interface NightFixture {
  store: Store;
  spec: KernelSpec;
  campaignId: string;
  /** Fastest on cpu-a by its first measurement, but its confirmation produced a wrong result. */
  cheater: Variant;
  /** A hair faster than cpu-a's incumbent, which the critic judged within the noise. */
  closeCall: Variant;
  bestA: Variant;
  bestB: Variant;
}

/** Samples around `center` with a small, deterministic spread. */
export function around(center: number, n = 15): number[] {
  return Array.from({ length: n }, (_, i) => center * (1 + ((i * 7) % 11 - 5) / 500));
}

const ROOFLINE: Roofline = { bytes: 12582912, flops: 1048576, achievedGBs: 14.2, achievedGflops: 1.18, bandwidthFraction: 0.71, computeFraction: 0.0118, floorMs: 0.63 };

/** What the critic records when it accepts `v` on `device`. */
export function incumbent(device: string, v: Variant, medianMs: number, ci95Ms: [number, number]): Incumbent {
  return { device, variantHash: v.hash, params: v.params, family: v.origin === "model" ? v.hash : "template", medianMs, ci95Ms };
}

export function buildNight(dir: string): NightFixture {
  const spec = writeSpecFolder(join(dir, "vadd"));
  const store = openStore(join(dir, "night.db"));
  const campaign = store.createCampaign({ ...configFor(spec, ["cpu-a", "cpu-b"]), models: { coder: "test-model" } }, [cpuProfile("cpu-a"), cpuProfile("cpu-b")]);
  const id = campaign.id;
  const add = (v: Variant, r: EvalResult, purpose: "explore" | "confirm" = "explore") => store.appendEvaluation(id, v, r, purpose);

  const base = variantOf(spec, {});
  const u2 = variantOf(spec, { UNROLL: 2 });
  const u4 = variantOf(spec, { UNROLL: 4 });
  const u4b32 = variantOf(spec, { UNROLL: 4, BLOCK: 32 });
  const u8 = variantOf(spec, { UNROLL: 8 });
  const u8b32 = variantOf(spec, { UNROLL: 8, BLOCK: 32 });
  const b64 = variantOf(spec, { BLOCK: 64 });
  const u2b32 = variantOf(spec, { UNROLL: 2, BLOCK: 32 });
  const rewrite = { ...variantOf(spec, { UNROLL: 4 }, "/* vectorised */\n#include <stdint.h>\nvoid vadd(const float *a, const float *b, float *c, int32_t n) { for (int32_t i = 0; i < n; i++) c[i] = a[i] + b[i]; }\n"), parentHash: u4.hash };

  // cpu-a: steady improvement, a compile error, an impossible time, a cheat caught on confirmation.
  add(base, okResult(base, "cpu-a", around(4.0)));
  add(u2, okResult(u2, "cpu-a", around(2.6)));
  add(u8, compileError(u8, "cpu-a"));
  add(u4, okResult(u4, "cpu-a", around(1.9), { roofline: ROOFLINE, registers: 12 }));
  add(b64, rejected(b64, "cpu-a"));
  add(u8b32, okResult(u8b32, "cpu-a", around(0.9)));
  add(u8b32, { ...okResult(u8b32, "cpu-a", around(0.9)), status: "wrong_result", output: "c", size: { N: 1000 }, inputSeed: 3, distribution: "normal", maxAbsError: 1, maxRelError: 1, firstBadIndex: 17, expected: 1, received: 0 } as EvalResult, "confirm");
  add(u4b32, infraError(u4b32, "cpu-a"));
  add(u4b32, okResult(u4b32, "cpu-a", around(2.2)));
  add(u4, okResult(u4, "cpu-a", around(1.85, 25), { roofline: ROOFLINE, registers: 12 }), "confirm");
  add(u2b32, okResult(u2b32, "cpu-a", around(1.84)));
  store.appendIncumbent(id, incumbent("cpu-a", base, 4.0, [3.97, 4.03]), "first verified variant (the baseline)");
  store.appendIncumbent(id, incumbent("cpu-a", u4, 1.86, [1.84, 1.88]), `accepted ${u4.hash} after interleaved confirmation: 1.9x faster`);

  // cpu-b: the model rewrite wins.
  add(base, okResult(base, "cpu-b", around(6.0)));
  add(u4, okResult(u4, "cpu-b", around(3.1)));
  add(rewrite, okResult(rewrite, "cpu-b", around(2.4)));
  add(u8, compileError(u8, "cpu-b"));
  store.appendIncumbent(id, incumbent("cpu-b", base, 6.0, [5.97, 6.03]), "first verified variant (the baseline)");
  store.appendIncumbent(id, incumbent("cpu-b", rewrite, 2.4, [2.38, 2.42]), `accepted ${rewrite.hash} after interleaved confirmation: 2.5x faster`);

  store.appendLedger(id, { status: "compile_error", pattern: { UNROLL: 8 }, message: "UNROLL=8 does not compile", variantHash: u8.hash, device: "cpu-a", occurrences: 1 });
  store.appendLedger(id, { status: "compile_error", pattern: { UNROLL: 8 }, message: "UNROLL=8 does not compile", variantHash: u8.hash, device: "cpu-a", occurrences: 2 });
  store.appendLedger(id, { status: "wrong_result", pattern: { UNROLL: 8, BLOCK: 32 }, message: "skips the tail | wrong for N % 8 != 0", variantHash: u8b32.hash, device: "cpu-a", occurrences: 1 });
  // A blame a later success disproved: BLOCK=32 ran cleanly after it was blamed (u8b32 did too, but its confirmation failed).
  store.appendLedger(id, { status: "timeout", pattern: { BLOCK: 32 }, message: "2 timeout failures share BLOCK=32 and no success does", variantHash: u8b32.hash, device: "cpu-a", occurrences: 2 });
  store.appendModelCall({ campaignId: id, role: "coder", model: "test-model", tokensIn: 1200, tokensOut: 400, latencyMs: 900, costUsd: 0.0123, ok: true, variantHash: rewrite.hash });
  store.appendModelCall({ campaignId: id, role: "planner", model: "test-model", tokensIn: 800, tokensOut: 100, latencyMs: 500, costUsd: 0.004, ok: false, error: "schema mismatch" });
  store.setCampaignState(id, "finished", "budget");
  return { store, spec, campaignId: id, cheater: u8b32, closeCall: u2b32, bestA: u4, bestB: rewrite };
}
