// Issue #12, class 5: the store and the output folder. A parent that is not a folder, a path under /proc
// (where Node's recursive mkdir never returns), a full disk when the store is created, an empty --out:
// each is one line naming the path and the reason, never a trace and never a hang.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCommandLine } from "../cli/program.ts";
import { makeOutDir } from "../results/out-dir.ts";
import { openStore } from "../results/store.ts";
import { oneLineError } from "./support/one-line.ts";
import { FAST_KERNEL } from "./support/spec-copy.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const PROFILE = join(import.meta.dirname, "fixtures", "test-local-profile.json");
const dir = mkdtempSync(join(tmpdir(), "nightshift-paths-"));
const file = join(dir, "a-file");
writeFileSync(file, "not a folder\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the store", () => {
  it("refuses a parent that is a file", () => {
    expect(oneLineError(() => openStore(join(file, "store.db")), "STORE_ERROR").message).toBe(
      `store: expected a folder that can hold the database, received ${JSON.stringify(file)} (a file, not a folder, is at that path)`,
    );
  });

  it("refuses a path under /proc at once instead of looping", () => {
    expect(oneLineError(() => openStore("/proc/nightshift/store.db"), "STORE_ERROR").message).toBe(
      'store: expected a folder that can hold the database, received "/proc/nightshift" (cannot create "/proc/nightshift": the file system there does not allow new folders)',
    );
  });

  it("refuses a device or a pipe, which SQLite would block on or write beside", () => {
    expect(oneLineError(() => openStore("/dev/full"), "STORE_ERROR").message).toBe('store: expected a database file, received "/dev/full", which is a device, not a file');
  });

  it("refuses an empty path instead of using the current folder", () => {
    expect(oneLineError(() => openStore(""), "STORE_ERROR").message).toBe("store: expected the path of a database file, received an empty path");
  });

  it("says the disk is full when the store cannot be created, in one line", () => {
    // A file-size limit of a few blocks, with the signal it raises ignored, makes every write fail as a full disk would.
    const db = join(dir, "full", "store.db");
    const run = spawnSync("sh", ["-c", `ulimit -f 8; trap "" XFSZ; exec "${process.execPath}" "${CLI}" run "${FAST_KERNEL}" --budget 1 --db "${db}" --device "${PROFILE}"`], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "warn" },
    });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toBe(`nightshift: store: could not prepare the database ${JSON.stringify(db)}: input/output error (a full disk or a file-size limit) (disk I/O error) [STORE_ERROR]\n`);
  });
});

describe("the report's --out", () => {
  it("refuses an empty path instead of writing into the current folder", async () => {
    const lines: string[] = [];
    expect(await runCommandLine(["node", "nightshift", "report", "c-00000000", "--out", ""], (text) => lines.push(text))).toBe(2);
    expect(lines.join("")).toBe('nightshift: --out: expected a folder path, received "" (an empty path) [USAGE]\n');
  });

  it("refuses a folder under /proc at once", () => {
    expect(oneLineError(() => makeOutDir("/proc/nightshift/report"), "USAGE").message).toBe(
      '--out: expected a writable folder, received "/proc/nightshift/report" (cannot create "/proc/nightshift": the file system there does not allow new folders)',
    );
  });

  it("refuses a folder it has no permission to create", () => {
    expect(oneLineError(() => makeOutDir("/sys/nightshift-report"), "USAGE").message).toMatch(/^--out: expected a writable folder, received "\/sys\/nightshift-report" \(cannot create "\/sys\/nightshift-report": (permission denied|read-only file system)\)$/);
  });
});
