// Every command given bad input, run as a user runs it (bin/nightshift.js in a subprocess, the store in a
// temporary folder): exit code 2 and one line on stderr saying what was expected, never a stack trace and
// never a log line claiming a campaign began.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import { configFor, cpuProfile, okResult, variantOf, writeSpecFolder } from "./store-fixtures.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-cli-errors-"));
/** Where $NIGHTSHIFT_DB points: a fresh machine, no database yet. */
const freshDb = join(dir, "fresh", "nightshift.db");
const db = join(dir, "store.db");
const folder = join(dir, "a-folder");
const notDb = join(dir, "notes.txt");
const existingFile = join(dir, "report.md");
let campaignId = "";

beforeAll(() => {
  mkdirSync(folder);
  writeFileSync(notDb, "these are notes, not a database\n".repeat(100));
  writeFileSync(existingFile, "an earlier report\n");
  const spec = writeSpecFolder(join(dir, "vadd"));
  const store = openStore(db);
  try {
    campaignId = store.createCampaign(configFor(spec, ["cpu-a"]), [cpuProfile("cpu-a")]).id;
    const base = variantOf(spec, {});
    store.appendEvaluation(campaignId, base, okResult(base, "cpu-a", [1, 1.1, 1.2]), "explore");
  } finally {
    store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nightshift = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: dir,
    // Info level, so a premature "no chat model configured" line would show up as a second line.
    env: { ...process.env, VITEST: "", NIGHTSHIFT_DB: freshDb, NIGHTSHIFT_LOG_LEVEL: "info" },
  });

interface BadInput {
  what: string;
  args: () => string[];
  code: string;
  /** What the one line must say (the expectation it names). */
  says: string | RegExp;
}

const CASES: BadInput[] = [
  { what: "run with a missing spec", args: () => ["run", join(dir, "no-such-spec")], code: "SPEC_NOT_FOUND", says: "expected a kernel spec folder" },
  { what: "run with a non-numeric --budget", args: () => ["run", SPEC, "--budget", "lots"], code: "USAGE", says: '--budget: expected an integer >= 1, received "lots"' },
  { what: "run with a zero --budget", args: () => ["run", SPEC, "--budget", "0"], code: "USAGE", says: '--budget: expected an integer >= 1, received "0"' },
  { what: "run on an unknown device", args: () => ["run", SPEC, "--device", "no-such-gpu"], code: "PROFILE_NOT_FOUND", says: /expected .*a shipped profile.*received "no-such-gpu"/ },
  { what: "run with an unknown strategy", args: () => ["run", SPEC, "--strategy", "telepathy"], code: "STRATEGY_UNKNOWN", says: /expected one of .*received "telepathy"/ },
  { what: "run with --db pointing at a folder", args: () => ["run", SPEC, "--budget", "2", "--db", folder], code: "STORE_ERROR", says: `expected a database file, received the directory ${JSON.stringify(folder)}` },
  { what: "run with a --sizes item that is not NAME=INT", args: () => ["run", SPEC, "--sizes", "N=1024", "N=abc"], code: "USAGE", says: '--sizes: expected NAME=INT[,NAME=INT...] with each name once and positive integers (e.g. N=1024 or M=64,N=128), received "N=abc"' },
  { what: "run with a --sizes size of zero", args: () => ["run", SPEC, "--sizes", "N=0"], code: "USAGE", says: '--sizes: expected NAME=INT[,NAME=INT...] with each name once and positive integers (e.g. N=1024 or M=64,N=128), received "N=0"' },
  { what: "run with the same size twice in --sizes", args: () => ["run", SPEC, "--sizes", "N=1024", "N=1024"], code: "USAGE", says: "--sizes: expected distinct sizes, received N=1024 twice" },
  { what: "run with a --sizes variable the spec lacks", args: () => ["run", SPEC, "--sizes", "N=1024", "M=64"], code: "USAGE", says: `--sizes: expected the spec's size variables {N} with positive integer values, received {"M":64}` },
  { what: "run with a --sizes size the spec's checks refuse", args: () => ["run", SPEC, "--sizes", "N=1024", "N=999999999"], code: "USAGE", says: /^nightshift: --sizes: expected a size at which the spec's own checks pass, received N=999999999 \(arguments\[0\]\.length: expected a whole number/ },
  {
    what: "run with --sizes on replay devices",
    args: () => ["run", join(import.meta.dirname, "..", "data", "spaces", "t1", "pnpoly.json"), "--device", `replay:${join(import.meta.dirname, "..", "data", "spaces", "pnpoly", "RTX_3090.json.gz")}`, "--sizes", "PROBLEM_SIZE=4096"],
    code: "USAGE",
    says: "--sizes: expected devices that measure, received the replay device replay-RTX_3090, whose times were recorded at one size",
  },
  { what: "dispatch of an unknown campaign", args: () => ["dispatch", "c-00000000", "--db", db, "--out", join(dir, "d1")], code: "CAMPAIGN_NOT_FOUND", says: `dispatch: expected a campaign id in ${JSON.stringify(db)}` },
  { what: "dispatch without campaigns", args: () => ["dispatch", "--db", db], code: "USAGE", says: "dispatch: expected campaign ids or --group <id>, received neither" },
  { what: "dispatch of one campaign twice", args: () => ["dispatch", campaignId, campaignId, "--db", db, "--out", join(dir, "d2")], code: "USAGE", says: /dispatch: expected distinct campaign ids, received (c-[0-9a-f]+), \1 \[USAGE\]$/ },
  { what: "measure with a parameter the spec lacks", args: () => ["measure", SPEC, "--params", "NOPE=1"], code: "PARAMS_INVALID", says: /expected one of the parameters .*received "NOPE"/ },
  { what: "measure with a value outside the space", args: () => ["measure", SPEC, "--params", "UNROLL=999"], code: "PARAMS_INVALID", says: "params.UNROLL: expected one of [1,2,4], received 999" },
  { what: "resume of an unknown campaign", args: () => ["resume", "c-00000000", "--db", db], code: "CAMPAIGN_NOT_FOUND", says: /expected .*received .*c-00000000/ },
  { what: "results of an unknown campaign", args: () => ["results", "c-00000000", "--db", db], code: "CAMPAIGN_NOT_FOUND", says: `results: expected a campaign id in ${JSON.stringify(db)}, received "c-00000000"` },
  { what: "report of an unknown campaign", args: () => ["report", "c-00000000", "--db", db, "--out", join(dir, "r1")], code: "CAMPAIGN_NOT_FOUND", says: `report: expected a campaign id in ${JSON.stringify(db)}` },
  { what: "results in a database that does not exist yet", args: () => ["results", "c-00000000"], code: "CAMPAIGN_NOT_FOUND", says: `results: expected a campaign id in ${JSON.stringify(freshDb)}` },
  { what: "report in a database that does not exist yet", args: () => ["report", "c-00000000", "--out", join(dir, "r2")], code: "CAMPAIGN_NOT_FOUND", says: `report: expected a campaign id in ${JSON.stringify(freshDb)}` },
  { what: "list with --db pointing at a folder", args: () => ["list", "--db", folder], code: "STORE_ERROR", says: `expected a database file, received the directory ${JSON.stringify(folder)}` },
  { what: "results with --db pointing at a file that is no database", args: () => ["results", "c-00000000", "--db", notDb], code: "STORE_ERROR", says: `expected a nightshift database at ${JSON.stringify(notDb)}` },
  { what: "list with --db pointing at a file that is no database", args: () => ["list", "--db", notDb], code: "STORE_ERROR", says: `expected a nightshift database at ${JSON.stringify(notDb)}` },
  {
    what: "report --out naming an existing file",
    args: () => ["report", campaignId, "--db", db, "--out", existingFile],
    code: "USAGE",
    says: `--out: expected a writable folder, received ${JSON.stringify(existingFile)} (a file, not a folder, is at that path)`,
  },
  // The message comes from spaces/read-json.ts, which names the file and the reason but not yet "expected".
  { what: "bench-strategies with a missing space file", args: () => ["bench-strategies", "--spaces", join(dir, "missing.json"), "--specs", join(import.meta.dirname, "..", "data", "spaces", "t1", "pnpoly.json")], code: "SPACE_INVALID", says: `"${join(dir, "missing.json")}": expected a tuning-data file` },
  { what: "bench-strategies without --spaces", args: () => ["bench-strategies"], code: "USAGE", says: "required option '--spaces <files...>' not specified (see --help)" },
  { what: "list with an unknown option", args: () => ["list", "--colour"], code: "USAGE", says: "unknown option '--colour' (see --help)" },
  { what: "devices check of an unknown device", args: () => ["devices", "check", "no-such-gpu"], code: "PROFILE_NOT_FOUND", says: /expected .*received "no-such-gpu"/ },
];

describe("bad input to every command", () => {
  it.each(CASES)("$what: exit 2, one line naming what was expected, no stack trace", ({ args, code, says }) => {
    const r = nightshift(args());
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain("no chat model configured");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^nightshift: .+ \\[${code}\\]$`));
    if (typeof says === "string") expect(lines[0]).toContain(says);
    else expect(lines[0]).toMatch(says);
    expect(r.stdout).toBe("");
  });

  it("leaves a fresh machine without a database: reading commands never create one", () => {
    expect(existsSync(freshDb)).toBe(false);
  });
});

describe("list on a fresh machine", () => {
  it("prints that there are no campaigns, naming the path, and exits 0", () => {
    const r = nightshift(["list"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`no campaigns in ${freshDb}\n`);
  });

  it("prints an empty JSON array with --json", () => {
    const r = nightshift(["list", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(existsSync(freshDb)).toBe(false);
  });
});
