// Issue #12: no input of the classes above makes nightshift use more than a bounded amount of memory or
// wait without a limit. Each input is given to the command line as a user would give it; the process must
// answer with its one line and exit 2, within a peak resident size far below what the input would cost if
// it were read, expanded or walked. (The spawn's time limit only stops a hang from stalling the suite.)

import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_KINDS } from "../core/read-file.ts";
import { FAST_KERNEL, specCopy } from "./support/spec-copy.ts";

const PEAK_RSS = join(import.meta.dirname, "support", "peak-rss.mjs");
const PROFILE = join(import.meta.dirname, "fixtures", "test-local-profile.json");
/** Node with nightshift's modules loaded is about 170 MiB here; every bad input must stay well within this. */
const MEMORY_BOUND_KIB = 512 * 1024;

const dir = mkdtempSync(join(tmpdir(), "nightshift-bounds-"));
const db = join(dir, "store.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = { hugeSpec: "", fifoSpec: "", fifoProfile: join(dir, "pipe.json"), bomb: join(dir, "bomb.json.gz"), longRestriction: "", deepJson: "" };

beforeAll(async () => {
  paths.hugeSpec = join(dir, "huge");
  mkdirSync(paths.hugeSpec);
  writeFileSync(join(paths.hugeSpec, "kernel.json"), "");
  truncateSync(join(paths.hugeSpec, "kernel.json"), 8 * 1024 ** 3);
  paths.fifoSpec = join(dir, "fifo-spec");
  mkdirSync(paths.fifoSpec);
  execFileSync("mkfifo", [join(paths.fifoSpec, "kernel.json"), paths.fifoProfile]);
  paths.longRestriction = specCopy(dir, (s) => (s.restrictions = [Array(300_000).fill("UNROLL").join(" and ")]));
  paths.deepJson = specCopy(dir, () => {}, { text: `{"name": ${"[".repeat(1_500_000)}${"]".repeat(1_500_000)}}` });
  await new Promise<void>((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    gzip.pipe(createWriteStream(paths.bomb)).on("finish", resolve).on("error", reject);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < FILE_KINDS.tuningData.maxBytes / chunk.length + 64; i++) gzip.write(chunk);
    gzip.end();
  });
});

function nightshift(args: string[]): { status: number | null; stderr: string; peakKib: number } {
  const run = spawnSync(process.execPath, [PEAK_RSS, ...args], {
    encoding: "utf8",
    timeout: 180_000,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn", NIGHTSHIFT_DB: db },
  });
  return { status: run.status, stderr: run.stderr, peakKib: Number(run.output[3]) };
}

describe("bad input costs bounded memory and no unbounded wait", () => {
  const cases: Array<[string, () => string[], string]> = [
    ["an 8 GiB spec file", () => ["run", paths.hugeSpec, "--device", PROFILE], "SPEC_INVALID"],
    ["/dev/zero as the spec", () => ["run", "/dev/zero", "--device", PROFILE], "SPEC_INVALID"],
    ["a named pipe as kernel.json", () => ["run", paths.fifoSpec, "--device", PROFILE], "SPEC_INVALID"],
    ["a named pipe as the device profile", () => ["run", FAST_KERNEL, "--device", paths.fifoProfile], "PROFILE_INVALID"],
    ["a gzip prior that expands past the limit", () => ["run", FAST_KERNEL, "--device", PROFILE, "--prior", paths.bomb], "SPACE_INVALID"],
    ["a restriction of 300,000 'and'", () => ["measure", paths.longRestriction, "--device", PROFILE], "EXPR_INVALID"],
    ["a spec nested 1,500,000 levels deep", () => ["measure", paths.deepJson], "SPEC_INVALID"],
    ["/dev/zero as --source", () => ["measure", FAST_KERNEL, "--source", "/dev/zero"], "SOURCE_INVALID"],
    ["a store under /proc", () => ["run", FAST_KERNEL, "--device", PROFILE, "--db", "/proc/nightshift/store.db"], "STORE_ERROR"],
    ["a report folder under /proc", () => ["report", "c-00000000", "--db", "/proc/nightshift/store.db", "--out", "/proc/nightshift/out"], "CAMPAIGN_NOT_FOUND"],
  ];
  it.each(cases)("%s", (_what, args, code) => {
    const run = nightshift(args());
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^nightshift: [^\\n]*expected[^\\n]*received[^\\n]* \\[${code}\\]\\n$`));
    expect(run.peakKib).toBeLessThan(MEMORY_BOUND_KIB);
  });
});
