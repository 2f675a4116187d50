// nightshift measure: build, verify and time one variant of a spec on one device, and say what happened.
// Exit 0 only for an ok result, 1 for any other result, 2 for bad configuration (nothing is run then).

import type { Command } from "commander";
import { fail } from "../core/errors.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import { compileOnly, describeCompileOnly } from "../harness/compile-only.ts";
import { checkSpecOnDevice } from "../harness/device-fit.ts";
import { libraryVariant } from "../harness/library.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import { makeVariant, parseParamList, readVariantSource } from "../harness/variant.ts";
import { createRunner } from "../runners/factory.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";

interface MeasureFlags {
  params?: string;
  source?: string;
  device: string;
  json?: boolean;
  compileOnly?: boolean;
  unsandboxed?: boolean;
  library?: string;
}

const ms = (v: number) => (v >= 1 ? v.toFixed(3) : v.toPrecision(3));
const pct = (f: number) => `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`;
const sizeText = (size: Record<string, number>) => Object.entries(size).map(([k, v]) => `${k}=${v}`).join(",");

/** What the verdict rests on: the verified cases for ok, the failing case for wrong_result. */
function verificationOf(result: EvalResult): unknown {
  if (result.status === "ok") return result.verification;
  if (result.status === "wrong_result") {
    const { output, size, seed, distribution, maxAbsError, maxRelError, firstBadIndex, expected, received } = result;
    return { output, size, seed, distribution, maxAbsError, maxRelError, firstBadIndex, expected, received };
  }
  return null;
}

export function describeResult(variant: Variant, result: EvalResult): string {
  const params = Object.entries(variant.params).map(([k, v]) => `${k}=${v}`).join(" ");
  const what = variant.library !== undefined ? ` library baseline ${variant.library}` : params ? ` ${params}` : "";
  const head = `${variant.spec.name}${what} on ${result.device}: ${result.status}`;
  switch (result.status) {
    case "ok": {
      const { stats, verification: v, roofline: r } = result;
      const sizes = [...new Set(v.cases.map((c) => sizeText(c.size)))].join(" ");
      const dists = [...new Set(v.cases.map((c) => c.distribution))].join(", ");
      // Relative error alone misleads: an element near zero is judged by atol, so its relative error can be
      // large while well within tolerance. The share of the tolerance used is what the verdict rests on.
      const used = v.cases.map((c) => c.toleranceUsed).filter((u): u is number => u !== undefined);
      const worst = used.length > 0 ? `, worst element at ${Number(Math.max(...used).toPrecision(2))} of its tolerance` : "";
      const lines = [
        head,
        `  median ${ms(stats.medianMs)} ms  min ${ms(stats.minMs)} ms  95% CI [${ms(stats.ci95Ms[0])}, ${ms(stats.ci95Ms[1])}] ms  n=${stats.n}  IQR ${pct(stats.relativeIqr)} of median`,
        `  verified ${v.cases.length} cases (sizes ${sizes}; ${dists}; run seed ${result.seed})${worst}, inputs unchanged, deterministic`,
        `  ${v.isolation === "unsandboxed" ? "UNSANDBOXED (--unsandboxed): nothing stopped this kernel from forging its evidence" : "sandboxed"}${v.sanitized ? ", clean under AddressSanitizer and UBSan on the verification sizes" : ""}`,
      ];
      if (r) {
        lines.push(`  roofline: ${r.achievedGBs.toPrecision(3)} GB/s (${pct(r.bandwidthFraction)} of peak bandwidth), ${r.achievedGflops.toPrecision(3)} GFLOP/s (${pct(r.computeFraction)} of peak compute), floor ${ms(r.floorMs)} ms`);
      }
      return lines.join("\n");
    }
    case "wrong_result":
      return `${head}\n  output ${result.output} wrong at index ${result.firstBadIndex} for size ${sizeText(result.size)} (${result.distribution}, inputs seed ${result.inputSeed}${result.repetition ? `, timed repetition ${result.repetition}` : ""}): expected ${result.expected}, received ${result.received}; max abs error ${result.maxAbsError}, max rel error ${result.maxRelError}`;
    case "rejected":
      return `${head} (${result.reason})\n  ${result.detail}`;
    case "compile_error":
      return `${head}\n${result.log.trimEnd().split("\n").map((l) => `  ${l}`).join("\n")}`;
    case "runtime_error":
      return `${head} in the ${result.phase} run (exit code ${result.exitCode}, signal ${result.signal})\n${result.stderrTail.trimEnd().split("\n").map((l) => `  ${l}`).join("\n")}`;
    case "timeout":
      return `${head} in the ${result.phase} step after ${result.limitMs} ms (its process group was killed)`;
    case "infra_error":
      return `${head}${result.retryable ? " (retryable)" : ""}\n  ${result.cause}`;
  }
}

export function registerMeasure(program: Command): void {
  program
    .command("measure")
    .description("build, verify and time one variant of a kernel spec (exit 0 only when the result is ok)")
    .argument("<spec-dir>", "kernel spec folder (or its kernel.json)")
    .option("--params <k=v,...>", "parameter values; unspecified ones come from the spec's baseline")
    .option("--source <file>", "kernel source to measure instead of the spec's template")
    .option("--library <name>", "measure one of the spec's library baselines (libraryBaselines) instead of a variant")
    .option("--device <name|profile.json>", "hardware profile", "local")
    .option("--json", "print exactly one JSON object")
    .option("--unsandboxed", "run untrusted kernels without the sandbox on a device that cannot make one (every result then says unsandboxed)")
    .option("--compile-only", "build without running: compiler stats, and for CUDA the theoretical occupancy on the device profile")
    .action(async (specDir: string, flags: MeasureFlags) => {
      const spec = loadSpec(specDir);
      if (flags.library !== undefined && (flags.source !== undefined || flags.params !== undefined)) {
        fail("USAGE", `--library: expected it alone, received it with ${flags.source !== undefined ? "--source" : "--params"} (a library baseline has its own source and no parameters)`);
      }
      const source = flags.source === undefined ? undefined : readVariantSource(flags.source);
      const variant = flags.library !== undefined ? libraryVariant(spec, flags.library) : makeVariant(spec, parseParamList(flags.params ?? ""), { source });
      const device = await loadProfile(flags.device);
      checkSpecOnDevice(spec, device);
      // ---- --compile-only (harness/compile-only.ts): nothing runs, no device is needed ----
      if (flags.compileOnly) {
        const executor = new LocalExecutor();
        const report = await compileOnly(executor, variant, device, { unsandboxed: flags.unsandboxed === true }).finally(() => executor.close());
        process.stdout.write(flags.json ? `${JSON.stringify({ status: report.status, ...report.summary, report })}\n` : `${describeCompileOnly(report)}\n`);
        process.exitCode = report.status === "ok" ? 0 : 1;
        return;
      }
      // ---- end --compile-only ----
      const runner = createRunner(device, { unsandboxed: flags.unsandboxed === true });
      let result: EvalResult;
      try {
        [result] = (await runner.run([variant])) as [EvalResult];
      } finally {
        await runner.close();
      }
      if (flags.json) {
        const summary = {
          status: result.status,
          medianMs: result.status === "ok" ? result.stats.medianMs : null,
          samples: result.status === "ok" ? result.samplesMs : [],
          verification: verificationOf(result),
          result,
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        process.stdout.write(`${describeResult(variant, result)}\n`);
      }
      process.exitCode = result.status === "ok" ? 0 : 1;
    });
}
