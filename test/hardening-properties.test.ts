// Issue #12: thousands of generated bad inputs per run over spec loading, profile loading and the command
// line's option parsing. Each is either accepted or refused with one line naming the field, what was
// expected and what was received: never an internal error, never a stack trace. (The expression language
// has its own property in hardening-expressions.test.ts.) Seeded; a failure prints the seed to rerun with.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCommandLine } from "../cli/program.ts";
import { isNightshiftError } from "../core/errors.ts";
import { parseProfile, PROFILES_DIR } from "../hardware-profiles/load.ts";
import { loadSpec, parseSpec } from "../specs/load.ts";
import { isOneLine } from "./support/one-line.ts";
import { testSeed } from "./support/seed.ts";
import { FAST_KERNEL } from "./support/spec-copy.ts";

const dir = mkdtempSync(join(tmpdir(), "nightshift-properties-"));
const SPEC_JSON = JSON.parse(readFileSync(join(FAST_KERNEL, "kernel.json"), "utf8"));
const SSH_PROFILE = { name: "lab", kind: "cpu", reach: { via: "ssh", host: "h", user: "u", identityFile: "k", hostKeySha256: "SHA256:abc", connectTimeoutMs: 1000 }, cpu: JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "test-local-profile.json"), "utf8")).cpu };
const GPU_PROFILE = JSON.parse(readFileSync(join(PROFILES_DIR, "h200.json"), "utf8"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values a user can easily produce: any JSON, awkward numbers, long or odd strings, expressions, flags. */
const awkward = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 31, 86_401, "", " ", "N", "N * N * N * N * N", "(N", "0/0", "-fplugin=x.so", "-B/tmp", "../../etc/passwd", "/dev/zero", "float16", "inout", "mixed"),
  fc.integer({ min: 1, max: 200_000 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${"(".repeat(n)}N${")".repeat(n)}`),
  fc.array(fc.constantFrom("N", "UNROLL", "and", "or", "+", "*", "(", ")", "1", "%", "//", "**", "@", "'"), { maxLength: 30 }).map((t) => t.join(" ")),
);

/** Every path to a value in a JSON document. */
function pathsOf(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== "object") return [at];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [at, ...entries.flatMap(([k, v]) => pathsOf(v, [...at, k]))];
}

type Mutation = { path: Array<string | number>; op: "set" | "delete" | "add"; value: unknown };

/** `base` with one value replaced, removed or given an unknown sibling. */
function mutated(base: unknown, m: Mutation): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (m.path.length === 0) return m.op === "set" ? m.value : copy;
  let parent: any = copy;
  for (const key of m.path.slice(0, -1)) parent = parent[key];
  const last = m.path[m.path.length - 1]!;
  if (m.op === "set") parent[last] = m.value;
  else if (m.op === "delete") Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
  else if (!Array.isArray(parent)) parent[`unknown_${String(last)}`] = m.value;
  return copy;
}

function mutations(base: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(base);
  return fc.record({ path: fc.constantFrom(...paths), op: fc.constantFrom("set", "set", "set", "delete", "add") as fc.Arbitrary<Mutation["op"]>, value: awkward });
}

/** True when `action` succeeds or refuses in one clear line; false for anything else (reported with the error). */
function acceptsOrRefusesClearly(action: () => unknown): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (isNightshiftError(error) && error.code !== "INTERNAL" && isOneLine(error.message)) return true;
    throw new Error(`not one clear line: ${isNightshiftError(error) ? `[${error.code}] ${error.message}` : String((error as Error)?.stack ?? error)}`);
  }
}

function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => boolean | Promise<boolean>, numRuns: number): Promise<void> {
  const seed = testSeed();
  const property = fc.asyncProperty(arbitrary, async (value) => predicate(value));
  return fc.assert(property, { seed: seed.seed, numRuns }).catch((error: Error) => {
    throw new Error(`${error.message}\n${seed.describe()}`);
  });
}

describe("spec loading on generated input", () => {
  it("accepts or refuses every mutated spec in one clear line", async () => {
    await check(mutations(SPEC_JSON), (m) => acceptsOrRefusesClearly(() => parseSpec(mutated(SPEC_JSON, m), FAST_KERNEL)), 2500);
  });

  it("accepts or refuses every mangled kernel.json file in one clear line", async () => {
    const text = JSON.stringify(SPEC_JSON, null, 1);
    const mangled = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.nat(text.length), fc.nat(40), fc.string({ maxLength: 8 })).map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut)),
      fc.constantFrom(...Object.keys(SPEC_JSON)).map((key) => text.replace("{", `{"${key}": null,`)),
      fc.integer({ min: 1, max: 200_000 }).map((n) => `{"name": ${"[".repeat(n)}${"]".repeat(n)}}`),
    );
    let n = 0;
    await check(
      mangled,
      (content) => {
        const folder = join(dir, `spec-${n++}`);
        mkdirSync(folder);
        for (const file of ["scale.c", "reference.c"]) writeFileSync(join(folder, file), readFileSync(join(FAST_KERNEL, file)));
        writeFileSync(join(folder, "kernel.json"), content);
        try {
          return acceptsOrRefusesClearly(() => loadSpec(folder));
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      },
      500,
    );
  });
});

describe("profile loading on generated input", () => {
  it("accepts or refuses every mutated GPU and SSH profile in one clear line", async () => {
    await check(mutations(GPU_PROFILE), (m) => acceptsOrRefusesClearly(() => parseProfile(mutated(GPU_PROFILE, m), "/lab/gpu.json")), 1500);
    await check(mutations(SSH_PROFILE), (m) => acceptsOrRefusesClearly(() => parseProfile(mutated(SSH_PROFILE, m), "/lab/ssh.json")), 1000);
  });
});

describe("the command line's option parsing on generated input", () => {
  const fifo = join(dir, "pipe.json");
  const folder = join(dir, "a-folder");
  let previousDb: string | undefined;
  beforeAll(() => {
    execFileSync("mkfifo", [fifo]);
    mkdirSync(folder);
    previousDb = process.env.NIGHTSHIFT_DB;
    process.env.NIGHTSHIFT_DB = join(dir, "no-such", "store.db");
  });
  afterAll(() => {
    if (previousDb === undefined) delete process.env.NIGHTSHIFT_DB;
    else process.env.NIGHTSHIFT_DB = previousDb;
  });

  it("exits 0 or 2, and every refusal is one line ending in its code", async () => {
    // Never a path to a usable spec or device, so nothing generated can start real work.
    const values = fc.oneof(
      fc.constantFrom("", " ", "0", "-1", "1e400", "NaN", "Infinity", "0x10", "9999999999999999999999", "abc", "k=v", "=", ",,", "UNROLL=3", "c-00000000", "openai:", "ftp://a:b@h", "http://u:p@h/v1?api_key=z", "none", "tools", "/dev/zero", "/proc/nightshift/x", fifo, folder, join(dir, "missing.json"), "replay:", "replay:/dev/zero", "h200x", "-", "--"),
      fc.string({ maxLength: 30 }),
      fc.integer({ min: 1, max: 100_000 }).map((n) => "y".repeat(n)),
    );
    const options = ["--budget", "--seed", "--batch", "--time-budget", "--stall-after", "--device", "--db", "--out", "--params", "--source", "--strategy", "--prior", "--model", "--planner-model", "--model-base-url", "--model-timeout-s", "--model-price", "--model-budget-usd", "--model-retries", "--format", "--spaces", "--specs", "--repeats", "--json", "--compile-only", "--no-such-option"];
    const argv = fc.tuple(
      fc.constantFrom(["run"], ["resume"], ["list"], ["results"], ["report"], ["export"], ["measure"], ["devices", "check", "no-such-gpu"], ["bench-strategies"], ["no-such-command"]),
      fc.array(fc.oneof(values, fc.constantFrom(...options)), { maxLength: 8 }),
    );
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await check(
        argv,
        async ([command, rest]) => {
          const lines: string[] = [];
          const code = await runCommandLine(["node", "nightshift", ...command, ...rest], (text) => lines.push(text));
          const stderr = lines.join("");
          if (code === null || code === 0) return true;
          if (code !== 2) throw new Error(`exit ${code} for ${JSON.stringify([...command, ...rest]).slice(0, 300)}: ${stderr.slice(0, 500)}`);
          const oneLine = /^nightshift: [^\n]+ \[[A-Z_]+\]\n$/.test(stderr) && stderr.length <= 1100;
          if (!oneLine) throw new Error(`not one line for ${JSON.stringify([...command, ...rest]).slice(0, 300)}: ${stderr.slice(0, 500)}`);
          return true;
        },
        1500,
      );
    } finally {
      write.mockRestore();
    }
    expect(true).toBe(true);
  });
});
