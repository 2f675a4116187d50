import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import { isStale } from "../core/json-schema.ts";
import { PROFILE_JSON_SCHEMA } from "../hardware-profiles/json-schema.ts";
import { KERNEL_SPEC_JSON_SCHEMA } from "../specs/json-schema.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";

const ROOT = resolve(import.meta.dirname, "..");
const EXAMPLES = join(ROOT, "examples");
const exampleDirs = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES, d.name, "kernel.json")))
  .map((d) => d.name);

const scratch = mkdtempSync(join(tmpdir(), "nightshift-spec-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every configuration of the cross product that satisfies the restrictions at the tuning size. */
function validConfigurations(spec: KernelSpec): Params[] {
  const names = Object.keys(spec.parameters);
  const restrictions = spec.restrictions.map((r, i) => compileExpr(r, [...names, ...Object.keys(spec.problem.tune)], `restrictions[${i}]`));
  let configs: Params[] = [{}];
  for (const name of names) configs = configs.flatMap((c) => spec.parameters[name]!.map((v) => ({ ...c, [name]: v })));
  return configs.filter((c) => restrictions.every((r) => r.evaluateBool({ ...spec.problem.tune, ...c })));
}

let copies = 0;
/** A copy of examples/matmul in its own folder with kernel.json changed by `mutate`. */
function mutatedMatmul(mutate: (spec: Record<string, any>, dir: string) => void): string {
  const dir = join(scratch, `case-${copies++}`, "matmul");
  cpSync(join(EXAMPLES, "matmul"), dir, { recursive: true });
  const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
  mutate(spec, dir);
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec, null, 2));
  return dir;
}

function loadError(dir: string): NightshiftError {
  try {
    loadSpec(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(NightshiftError);
    const e = error as NightshiftError;
    // One line that names what was expected and what was received.
    expect(e.message).not.toContain("\n");
    expect(e.message).toContain("expected");
    expect(e.message).toContain("received");
    return e;
  }
  throw new Error(`expected ${dir} to be rejected, but it loaded`);
}

describe("the shipped examples", () => {
  it("include the two CPU kernels", () => {
    expect(exampleDirs).toEqual(expect.arrayContaining(["matmul", "conv2d"]));
  });

  it.each(exampleDirs)("%s loads with its template and reference", (name) => {
    const spec = loadSpec(join(EXAMPLES, name));
    expect(spec.dir).toBe(join(EXAMPLES, name));
    expect(spec.templateSource).toContain(`${spec.kernel}(`);
    expect(spec.referenceSource).toContain(`${spec.reference.function}(`);
    expect(spec.reference.function).not.toBe(spec.kernel);
    expect(spec.problem.verify.length).toBeGreaterThanOrEqual(2);
  });

  it.each(exampleDirs)("%s points any $schema at the committed kernel-spec schema", (name) => {
    const raw = JSON.parse(readFileSync(join(EXAMPLES, name, "kernel.json"), "utf8"));
    if (["matmul", "conv2d"].includes(name)) expect(raw.$schema).toBeTypeOf("string");
    if (raw.$schema !== undefined) expect(resolve(EXAMPLES, name, raw.$schema)).toBe(join(ROOT, "specs", "kernel-spec.schema.json"));
  });

  it("matmul has a few thousand valid configurations, the baseline among them", () => {
    const spec = loadSpec(join(EXAMPLES, "matmul"));
    const valid = validConfigurations(spec);
    expect(valid.length).toBe(3276);
    expect(valid).toContainEqual(spec.baseline);
  });

  it("conv2d has several hundred valid configurations, the baseline among them", () => {
    const spec = loadSpec(join(EXAMPLES, "conv2d"));
    const valid = validConfigurations(spec);
    expect(valid.length).toBe(696);
    expect(valid).toContainEqual(spec.baseline);
  });

  it("matmul counts compulsory traffic and 2 N^3 flops", () => {
    const spec = loadSpec(join(EXAMPLES, "matmul"));
    expect(compileExpr(spec.bytes, ["N"], "bytes").evaluateNumber({ N: 384 })).toBe(3 * 384 * 384 * 4);
    expect(compileExpr(spec.flops, ["N"], "flops").evaluateNumber({ N: 384 })).toBe(2 * 384 ** 3);
  });

  it("conv2d counts image, filter and output once and two flops per tap and output pixel", () => {
    const spec = loadSpec(join(EXAMPLES, "conv2d"));
    const size = { H: 1024, W: 1024, K: 7 };
    expect(compileExpr(spec.bytes, ["H", "W", "K"], "bytes").evaluateNumber(size)).toBe(4 * (1024 * 1024 + 49 + 1018 * 1018));
    expect(compileExpr(spec.flops, ["H", "W", "K"], "flops").evaluateNumber(size)).toBe(2 * 49 * 1018 * 1018);
  });

  it("verify at sizes the tile sizes do not divide", () => {
    const matmul = loadSpec(join(EXAMPLES, "matmul"));
    const tiles = [...matmul.parameters.TILE_I!, ...matmul.parameters.TILE_K!].filter((t) => Number(t) > 0).map(Number);
    expect(matmul.problem.verify.some(({ N }) => tiles.every((t) => N! % t !== 0))).toBe(true);
    const conv = loadSpec(join(EXAMPLES, "conv2d"));
    expect(conv.problem.verify.some(({ H, K }) => (H! - K! + 1) % 4 !== 0)).toBe(true);
  });
});

describe("the published JSON Schemas", () => {
  it("equal what the zod schemas generate (regenerate with npm run schemas)", () => {
    expect([KERNEL_SPEC_JSON_SCHEMA, PROFILE_JSON_SCHEMA].filter((s) => isStale(s)).map((s) => s.path)).toEqual([]);
  });
});

describe("a bad spec is rejected with one clear error", () => {
  it("names a missing field", () => {
    const error = loadError(mutatedMatmul((s) => delete s.kernel));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe("spec.kernel: expected string, received nothing (the field is missing)");
  });

  it("names a field of the wrong type with the value received", () => {
    const error = loadError(mutatedMatmul((s) => (s.problem.tune.N = "384")));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe('spec.problem.tune.N: expected number, received "384"');
  });

  it("names an enum field with the allowed values", () => {
    const error = loadError(mutatedMatmul((s) => (s.arguments[0].distribution = "cauchy")));
    expect(error.message).toMatch(/^spec\.arguments\[0\]\.distribution: expected one of "mixed"\|"uniform".*, received "cauchy"$/);
  });

  it("names an unknown parameter in a restriction", () => {
    const error = loadError(mutatedMatmul((s) => s.restrictions.push("TILE_Q <= 64")));
    expect(error.code).toBe("EXPR_INVALID");
    expect(error.message).toMatch(/^restrictions\[1\]: expected variables from \{TILE_I, .*, N\}, received unknown "TILE_Q"/);
  });

  it("refuses a shell metacharacter in a parameter value", () => {
    const error = loadError(mutatedMatmul((s) => s.parameters.UNROLL.push("4; rm -rf /")));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe('spec.parameters.UNROLL[2]: expected letters, digits and _ . + - only (no spaces or shell metacharacters), received "4; rm -rf /"');
  });

  it("refuses a shell metacharacter in a compiler flag", () => {
    const error = loadError(mutatedMatmul((s) => (s.build.flagsByParameter.VECTORIZE["2"] = ["-O3", "-march=native;id"])));
    expect(error.message).toMatch(/^spec\.build\.flagsByParameter\.VECTORIZE\.2\[1\]: expected a flag like -O3/);
  });

  it("refuses a source path that climbs out of the spec folder", () => {
    const dir = mutatedMatmul((s, d) => {
      writeFileSync(join(d, "..", "outside.c"), "void matmul(void) {}\n");
      s.source = "../outside.c";
    });
    const error = loadError(dir);
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe('source: expected a path inside the spec folder, received "../outside.c", which escapes it');
  });

  it("refuses an absolute reference path", () => {
    const error = loadError(mutatedMatmul((s) => (s.reference.source = "/etc/passwd")));
    expect(error.message).toBe('reference.source: expected a path inside the spec folder, received the absolute path "/etc/passwd"');
  });

  it("refuses a symbolic link that leads out of the spec folder", () => {
    const dir = mutatedMatmul((s, d) => {
      const outside = join(d, "..", "secret-reference.c");
      writeFileSync(outside, "void matmul_reference(void) {}\n");
      symlinkSync(outside, join(d, "linked-reference.c"));
      s.reference.source = "linked-reference.c";
    });
    const error = loadError(dir);
    expect(error.message).toBe('reference.source: expected a path inside the spec folder, received "linked-reference.c", which links outside it');
  });

  it("refuses a source file that does not exist", () => {
    const error = loadError(mutatedMatmul((s) => (s.source = "missing.c")));
    expect(error.message).toMatch(/^source: expected an existing file in .*, received "missing\.c", which does not exist$/);
  });

  it("refuses a baseline value outside the parameter's values", () => {
    const error = loadError(mutatedMatmul((s) => (s.baseline.UNROLL = 3)));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe("baseline.UNROLL: expected one of [1,4], received 3");
  });

  it("refuses a baseline that leaves a parameter out", () => {
    const error = loadError(mutatedMatmul((s) => delete s.baseline.VECTORIZE));
    expect(error.message).toBe("baseline: expected a value for every parameter, received none for VECTORIZE");
  });

  it("refuses an unknown field, naming it", () => {
    const error = loadError(mutatedMatmul((s) => (s.tunning = { budget: 10 })));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toBe('spec: expected only known fields, received unknown field(s) "tunning"');
  });

  it("refuses an unknown field inside a nested object with its path", () => {
    const error = loadError(mutatedMatmul((s) => (s.timing = { repetitons: 10 })));
    expect(error.message).toBe('spec.timing: expected only known fields, received unknown field(s) "repetitons"');
  });

  it("refuses a bytes expression over unknown variables", () => {
    const error = loadError(mutatedMatmul((s) => (s.bytes = "4 * M * M")));
    expect(error.message).toMatch(/^bytes: expected variables from .*received unknown "M"/);
  });

  it("refuses text that is not JSON", () => {
    const dir = mutatedMatmul(() => {});
    writeFileSync(join(dir, "kernel.json"), "{ name: matmul ");
    const error = loadError(dir);
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toMatch(/^spec: expected valid JSON in .*kernel\.json"?, received text that does not parse/);
  });

  it("reports a folder that does not exist as not found", () => {
    const error = loadError(join(scratch, "no-such-kernel"));
    expect(error.code).toBe("SPEC_NOT_FOUND");
  });
});
