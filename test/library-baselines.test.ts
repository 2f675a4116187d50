// A spec's library baselines: human-written sources calling a library, built and judged by the same protocol
// as any variant (sandbox, verification, sanitizer), with the library's link and calls allowed for them only.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { libraryVariant } from "../harness/library.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { specCopy } from "./support/spec-copy.ts";

const ROOT = join(import.meta.dirname, "..");
let scratch: string;
let executor: LocalExecutor;
let device: HardwareProfile;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "ns-library-"));
  executor = new LocalExecutor();
  device = await loadProfile("local");
});
afterAll(async () => {
  await executor.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** examples/gemm at small sizes: the library baseline is what is measured, not the template. */
function smallGemm(): KernelSpec {
  const spec = loadSpec(join(ROOT, "examples", "gemm"));
  return { ...spec, problem: { tune: { N: 96 }, verify: [{ N: 13 }, { N: 37 }] }, timing: { ...spec.timing, warmup: 1, repetitions: 5 } };
}

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (error) {
    if (isNightshiftError(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("library baselines", () => {
  it("measures OpenBLAS's sgemm under the same sandbox, verification and sanitizer as a variant", async () => {
    const variant = libraryVariant(smallGemm(), "openblas");
    expect(variant).toMatchObject({ origin: "library", library: "openblas", params: {} });
    const result = await evaluateVariant(executor, variant, device);
    expect(result.status, JSON.stringify(result).slice(0, 800)).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.verification).toMatchObject({ isolation: "sandboxed", sanitized: true });
    expect(result.verification.cases.length).toBe(6);
  }, 600_000);

  it("allows the library's calls for its own source only: a variant calling cblas_sgemm is still refused", async () => {
    const spec = smallGemm();
    // Declares the library's function itself: cblas.h would clash with the template's -D parameters.
    const source = `#include <stdint.h>
void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void gemm(const float* A, const float* B, float* C, int32_t n) { cblas_sgemm(101, 111, 111, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n); }
`;
    const cheat = makeVariant(spec, spec.baseline, { source });
    const result = await evaluateVariant(executor, cheat, device);
    expect(result.status === "rejected" || result.status === "compile_error", JSON.stringify(result).slice(0, 800)).toBe(true);
    expect(JSON.stringify(result)).toMatch(/cblas_sgemm/);
  }, 600_000);

  it("reports a baseline whose library this machine lacks as a build failure of that baseline, nothing more", async () => {
    const spec = { ...smallGemm(), libraryBaselines: [{ name: "absent", description: "", source: "openblas.c", libraries: ["nightshift_no_such_library"], allowedSymbols: ["cblas_sgemm"], flags: [] }] };
    const result = await evaluateVariant(executor, libraryVariant({ ...spec, librarySources: { absent: spec.librarySources.openblas! } }, "absent"), device);
    expect(result.status).toBe("compile_error");
    expect(JSON.stringify(result)).toMatch(/nightshift_no_such_library/);
  }, 600_000);

  it("refuses a spec naming a baseline twice or a source outside its folder, in one line", () => {
    const twice = specCopy(scratch, (s) => {
      s.libraryBaselines = [{ name: "blas", source: "scale.c" }, { name: "blas", source: "scale.c" }];
    });
    const error = thrown(() => loadSpec(twice));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe('libraryBaselines[1].name: expected a name no other baseline has, received "blas" twice');
    const outside = specCopy(scratch, (s) => {
      s.libraryBaselines = [{ name: "blas", source: "../../etc/passwd" }];
    });
    const escape = thrown(() => loadSpec(outside));
    expect(escape.code).toBe("SPEC_INVALID");
    expect(escape.message).toMatch(/^libraryBaselines\[0\]\.source: /);
    expect(escape.message).not.toContain("\n");
  });

  it("names the spec's baselines when asked for one it does not have", () => {
    const error = thrown(() => libraryVariant(smallGemm(), "mkl"));
    expect(error.message).toBe('--library: expected one of the spec\'s library baselines {openblas}, received "mkl"');
  });
});
