// Issue #12, class 4: compiler flags that load code, run other programs, swap the toolchain or write files
// outside the build are refused when the spec loads, naming the flag and why; tuning flags still pass.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilerFlags } from "../harness/variant.ts";
import { loadSpec } from "../specs/load.ts";
import { refusedFlag } from "../specs/compiler-flags.ts";
import { oneLineError } from "./support/one-line.ts";
import { specCopy } from "./support/spec-copy.ts";

const scratch = mkdtempSync(join(tmpdir(), "nightshift-flags-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ALLOWED = "-O*, -m*, -f* (code generation), -std=, -D/-U, -W* warnings, -g or nvcc's code-generation options";

describe("the compiler-flag policy", () => {
  it.each([
    ["-fplugin=evil.so", "it loads code into the compiler"],
    ["-fplugin-arg-evil-x=1", "it loads code into the compiler"],
    ["-wrapper", "it runs another program around the compiler"],
    ["-specs=evil.specs", "it replaces the toolchain's configuration"],
    ["-Bevil", "it changes where the toolchain comes from"],
    ["-ccbin=evil", "it changes where the toolchain comes from"],
    ["-Wl,-rpath,evil", "it passes options on to another tool"],
    ["-Xcompiler=-fplugin=x", "it passes options on to another tool"],
    ["-fdump-tree-all", "it writes files outside the build"],
    ["-fprofile-generate", "it writes files outside the build"],
    ["-save-temps", "it writes files outside the build"],
    ["-imacros=x", "it reads files from outside the spec"],
    ["-flto", "it changes the object format or the programs the build runs"],
  ])("refuses %s because %s", (flag, reason) => {
    expect(refusedFlag(flag)).toBe(reason);
  });

  it.each(["-O3", "-Ofast", "-march=native", "-mavx2", "-mno-avx512f", "-ffast-math", "-fno-tree-vectorize", "-ffp-contract=fast", "-fopenmp", "-funroll-loops", "-std=gnu11", "-DTILE=4", "-Wall", "-g", "--use_fast_math", "-maxrregcount=64", "-lineinfo"])(
    "allows %s, which tuning needs",
    (flag) => {
      expect(refusedFlag(flag)).toBeNull();
    },
  );

  it("names the flag in one line when a spec carries a refused one", () => {
    const message = oneLineError(() => loadSpec(specCopy(scratch, (s) => s.build.flags.push("-fplugin=evil.so"))), "SPEC_INVALID").message;
    expect(message).toBe(`spec.build.flags[2]: expected a compiler flag nightshift allows (${ALLOWED}), received "-fplugin=evil.so" (refused: it loads code into the compiler)`);
  });

  it("checks flags chosen by a parameter value too", () => {
    const message = oneLineError(() => loadSpec(specCopy(scratch, (s) => (s.build.flagsByParameter = { UNROLL: { "4": ["-O3", "-B/tmp/evil"] } }))), "SPEC_INVALID").message;
    expect(message).toBe('spec.build.flagsByParameter.UNROLL.4[1]: expected a flag like -O3 (no spaces or shell metacharacters), received "-B/tmp/evil"');
  });

  it("holds a spec built without the schema to the same policy before anything is compiled", () => {
    const spec = loadSpec(specCopy(scratch, () => {}));
    const forged = { ...spec, build: { ...spec.build, flags: ["-O2", "-wrapper"] } };
    expect(oneLineError(() => compilerFlags(forged, {}), "SPEC_INVALID").message).toBe('build.flags: expected flags nightshift allows, received "-wrapper" (refused: it runs another program around the compiler)');
  });
});
