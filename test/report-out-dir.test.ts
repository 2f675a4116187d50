// Report files land where --out points; every way that folder can refuse them is one line naming it.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { makeOutDir, writeOutFile } from "../results/out-dir.ts";

const dir = mkdtempSync(join(tmpdir(), "nightshift-out-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(action: () => void): NightshiftError {
  try {
    action();
  } catch (error) {
    if (error instanceof NightshiftError) return error;
    throw error;
  }
  throw new Error("expected a failure, received none");
}

describe("the --out folder", () => {
  it("is created with its parents when missing", () => {
    const out = join(dir, "a", "b");
    makeOutDir(out);
    writeOutFile(out, join(out, "x.md"), "hello");
    expect(existsSync(join(out, "x.md"))).toBe(true);
  });

  it("refuses an existing file as a USAGE error naming the path", () => {
    const file = join(dir, "report.md");
    writeFileSync(file, "old");
    const error = failure(() => makeOutDir(file));
    expect(error.code).toBe("USAGE");
    expect(error.message).toBe(`--out: expected a writable folder, received ${JSON.stringify(file)} (a file, not a folder, is at that path)`);
  });

  it.runIf(existsSync("/dev/full"))("turns a full disk into one line naming the file being written", () => {
    const error = failure(() => writeOutFile(dir, "/dev/full", "data"));
    expect(error.message).toBe(`--out: expected a writable folder, received ${JSON.stringify(dir)} (no space left on the device writing full)`);
  });

  it.skipIf(process.getuid?.() === 0)("turns a folder without write permission into one line", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const error = failure(() => writeOutFile(locked, join(locked, "x.md"), "data"));
      expect(error.message).toContain("(permission denied writing x.md)");
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
