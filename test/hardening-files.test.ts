// Issue #12, class 2: every file nightshift reads is checked for its type and size before it is read, so a
// folder, a named pipe, a device or a multi-gigabyte file is one line naming the file, never a stack trace,
// a read that never ends or memory exhausted.

import { execFileSync } from "node:child_process";
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPriorFiles } from "../agents/priors.ts";
import { FILE_KINDS, readBoundedFile } from "../core/read-file.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import { readVariantSource } from "../harness/variant.ts";
import { loadCredentials } from "../runners/ssh/connect.ts";
import { hostKeyPolicy } from "../runners/ssh/host-key.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { readJsonFile } from "../spaces/read-json.ts";
import { loadSpec } from "../specs/load.ts";
import { oneLineError, oneLineRejection } from "./support/one-line.ts";

const FAST_KERNEL = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-files-"));
const fifo = join(dir, "pipe.json");
const folder = join(dir, "a-folder.json");
const sparse = join(dir, "huge.json");
const bomb = join(dir, "bomb.json.gz");

beforeAll(async () => {
  execFileSync("mkfifo", [fifo]);
  mkdirSync(folder);
  // Five gigabytes that take no space: the size check must come before any read.
  writeFileSync(sparse, "");
  truncateSync(sparse, 5 * 1024 ** 3);
  // A few hundred kilobytes of gzip that expand past the tuning-data limit.
  await new Promise<void>((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out = createWriteStream(bomb);
    gzip.pipe(out).on("finish", resolve).on("error", reject);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < FILE_KINDS.tuningData.maxBytes / chunk.length + 8; i++) gzip.write(chunk);
    gzip.end();
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the bounded reader", () => {
  it.each([
    ["a folder", folder, "is a folder, not a file"],
    ["a named pipe", fifo, "is a named pipe, not a file"],
    ["/dev/zero", "/dev/zero", "is a device, not a file"],
    ["a missing file", join(dir, "missing"), "does not exist"],
    ["a 5 GiB file", sparse, "is 5 GiB, above the 4 MiB limit"],
  ])("refuses %s with what it is", (_what, path, problem) => {
    expect(readBoundedFile(path, FILE_KINDS.spec)).toEqual({ ok: false, problem });
  });

  it("stops reading a file that reports no size but keeps giving bytes", () => {
    // /proc files report size 0; the byte limit, not the stat, stops the read.
    const read = readBoundedFile("/proc/self/status", { what: "a test file", maxBytes: 16 });
    expect(read).toEqual({ ok: false, problem: "is larger than the 16 bytes limit" });
  });
});

describe("every reader uses it", () => {
  it("refuses /dev/zero as a spec", () => {
    expect(oneLineError(() => loadSpec("/dev/zero"), "SPEC_INVALID").message).toBe('spec: expected a kernel spec (JSON) of at most 4 MiB, received "/dev/zero", which is a device, not a file');
  });

  it("refuses a named pipe as a spec's kernel.json without waiting for a writer", () => {
    const spec = join(dir, "pipe-spec");
    mkdirSync(spec);
    execFileSync("mkfifo", [join(spec, "kernel.json")]);
    expect(oneLineError(() => loadSpec(spec), "SPEC_INVALID").message).toBe(`spec: expected a kernel spec (JSON) of at most 4 MiB, received ${JSON.stringify(join(spec, "kernel.json"))}, which is a named pipe, not a file`);
  });

  it("refuses a folder as the spec's kernel source", () => {
    const spec = join(dir, "folder-source");
    cpSync(FAST_KERNEL, spec, { recursive: true });
    rmSync(join(spec, "scale.c"));
    mkdirSync(join(spec, "scale.c"));
    expect(oneLineError(() => loadSpec(spec), "SPEC_INVALID").message).toBe(`source: expected a kernel source file of at most 4 MiB, received ${JSON.stringify(join(spec, "scale.c"))}, which is a folder, not a file`);
  });

  it("refuses a 5 GiB file as a profile", async () => {
    expect((await oneLineRejection(() => loadProfile(sparse), "PROFILE_INVALID")).message).toBe(`profile: expected a hardware profile (JSON) of at most 4 MiB, received ${JSON.stringify(sparse)}, which is 5 GiB, above the 4 MiB limit`);
  });

  it("refuses a named pipe as a profile", async () => {
    expect((await oneLineRejection(() => loadProfile(fifo), "PROFILE_INVALID")).message).toBe(`profile: expected a hardware profile (JSON) of at most 4 MiB, received ${JSON.stringify(fifo)}, which is a named pipe, not a file`);
  });

  it("refuses /dev/zero as --source", () => {
    expect(oneLineError(() => readVariantSource("/dev/zero"), "SOURCE_INVALID").message).toBe('--source: expected a kernel source file of at most 4 MiB, received "/dev/zero", which is a device, not a file');
  });

  it("refuses a folder as an SSH identity and a named pipe as known_hosts", () => {
    const target = { host: "h", port: 22, user: "u", identityFile: folder, knownHostsFile: fifo, connectTimeoutMs: 1000 };
    expect(oneLineError(() => loadCredentials(target), "PROFILE_INVALID").message).toBe(`reach.identityFile: expected an SSH private key of at most 1 MiB, received ${JSON.stringify(folder)}, which is a folder, not a file`);
    expect(oneLineError(() => hostKeyPolicy(target), "PROFILE_INVALID").message).toBe(`reach.knownHostsFile: expected a known_hosts file of at most 16 MiB, received ${JSON.stringify(fifo)}, which is a named pipe, not a file`);
  });

  it("refuses a gzip file that expands beyond the limit, stopping at the limit", () => {
    expect(oneLineError(() => readJsonFile(bomb), "SPACE_INVALID").message).toBe(`${JSON.stringify(bomb)}: expected gzip-compressed JSON of at most 128 MiB, received a file it expands beyond 128 MiB`);
  });

  it("refuses a damaged gzip file in one line", () => {
    const damaged = join(dir, "damaged.json.gz");
    writeFileSync(damaged, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]));
    expect(oneLineError(() => readJsonFile(damaged), "SPACE_INVALID").message).toMatch(/: expected gzip-compressed JSON of at most 128 MiB, received a file it does not decompress \(/);
  });

  it("refuses a folder given as a prior", () => {
    const spec = loadSpec(FAST_KERNEL);
    expect(oneLineError(() => loadPriorFiles([folder], spaceFromSpec(spec)), "SPACE_INVALID").message).toBe(`${JSON.stringify(folder)}: expected a tuning-data file of at most 128 MiB, received a path that is a folder, not a file`);
  });
});
