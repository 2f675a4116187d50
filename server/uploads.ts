// Specs that arrive over HTTP, as a tarball (plain or gzip) or as JSON {files: {name: text}}. Every entry is
// checked before anything is written: only regular files and folders, names of plain segments (no absolute
// paths, no "..", nothing hidden), a bounded count and size (a gzip bomb stops at the limit). The files land
// in a content-addressed folder of the daemon's data, where no spec root reaches.

import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Parser, type ReadEntry } from "tar";
import { describeValue } from "../core/errors.ts";
import { HttpError } from "./http-error.ts";

export interface UploadLimits {
  maxFiles: number;
  /** Bytes of all files together, after decompression. */
  maxTotalBytes: number;
}

export interface UploadedSpec {
  id: string;
  /** The path to load the spec from: the folder (kernel.json) or its one T1 file. */
  specPath: string;
  files: string[];
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const MAX_DEPTH = 4;
const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
export const UPLOAD_ID = /^u-[0-9a-f]{16}$/;

const invalid = (field: string, expected: string, received: string) => new HttpError(400, "UPLOAD_INVALID", field, expected, received);

/** A file name from the client, checked: relative, plain segments, not too deep. */
function checkName(name: string, field: string): string {
  const segments = name.replace(/^\.\//, "").replace(/\/$/, "").split("/");
  if (name.startsWith("/")) throw invalid(field, "a relative path inside the upload", `the absolute path ${describeValue(name)}`);
  if (segments.includes("..")) throw invalid(field, "a path that stays inside the upload (no '..')", describeValue(name));
  if (segments.length > MAX_DEPTH || !segments.every((s) => SEGMENT.test(s))) {
    throw invalid(field, `a path of at most ${MAX_DEPTH} plain names (letters, digits, . _ -; none hidden)`, describeValue(name));
  }
  return segments.join("/");
}

class Collected {
  readonly files = new Map<string, Buffer>();
  private total = 0;

  constructor(private readonly limits: UploadLimits) {}

  add(name: string, field: string, content: Buffer): void {
    if (this.files.has(name)) throw invalid(field, "each file once", `${describeValue(name)} twice`);
    if (this.files.size >= this.limits.maxFiles) throw invalid("body", `at most ${this.limits.maxFiles} files`, "more");
    this.requireRoom(content.length);
    this.total += content.length;
    this.files.set(name, content);
  }

  /** Throws when `bytes` more would pass the limit (checked while an entry streams in, before it is kept). */
  requireRoom(bytes: number): void {
    if (this.total + bytes > this.limits.maxTotalBytes) throw invalid("body", `at most ${this.limits.maxTotalBytes} bytes of files`, "more once unpacked");
  }
}

export function filesOfJson(files: Record<string, string>, limits: UploadLimits): Map<string, Buffer> {
  const collected = new Collected(limits);
  for (const [name, text] of Object.entries(files)) {
    const field = `files.${JSON.stringify(name)}`;
    collected.add(checkName(name, field), field, Buffer.from(text, "utf8"));
  }
  return collected.files;
}

/** The regular files of a tar archive (gzip or not), or a 400 naming the first entry the daemon refuses. */
export function filesOfTarball(body: Buffer, limits: UploadLimits): Promise<Map<string, Buffer>> {
  const collected = new Collected(limits);
  return new Promise((resolve, reject) => {
    let failure: Error | null = null;
    let settled = false;
    // An aborted parser never closes: the first failure settles the promise, whatever the parser does next.
    const settle = () => {
      if (settled) return;
      settled = true;
      if (failure) reject(failure);
      else resolve(collected.files);
    };
    const parser = new Parser({ strict: true });
    const stop = (error: Error) => {
      failure ??= error;
      settle();
      parser.abort(error);
    };
    parser.on("entry", (entry: ReadEntry) => {
      if (failure) return entry.resume();
      const field = `body (entry ${describeValue(entry.path)})`;
      try {
        if (entry.type === "Directory") {
          checkName(entry.path, field);
          return entry.resume();
        }
        if (!FILE_TYPES.has(entry.type)) throw invalid(field, "regular files and folders only", `a ${entry.type}${entry.linkpath ? ` to ${describeValue(entry.linkpath)}` : ""}`);
        const name = checkName(entry.path, field);
        const chunks: Buffer[] = [];
        let size = 0;
        entry.on("data", (chunk: Buffer) => {
          size += chunk.length;
          try {
            collected.requireRoom(size);
          } catch (error) {
            stop(error as Error);
          }
          chunks.push(chunk);
        });
        entry.on("end", () => {
          if (failure) return;
          try {
            collected.add(name, field, Buffer.concat(chunks));
          } catch (error) {
            stop(error as Error);
          }
        });
      } catch (error) {
        stop(error as Error);
        entry.resume();
      }
    });
    parser.on("error", (error: Error) => {
      failure ??= error instanceof HttpError ? error : invalid("body", "a tar archive (plain or gzip-compressed)", `bytes that are not one (${error.message})`);
      settle();
    });
    parser.on("close", settle);
    parser.end(body);
  });
}

/** Without kernel.json at the top, one folder holding everything is the spec's folder: its name is dropped. */
function withoutTopFolder(files: Map<string, Buffer>): Map<string, Buffer> {
  if (files.has("kernel.json")) return files;
  const tops = new Set([...files.keys()].map((n) => (n.includes("/") ? n.split("/")[0] : "")));
  if (tops.size !== 1 || tops.has("")) return files;
  return new Map([...files].map(([n, c]) => [n.slice(n.indexOf("/") + 1), c]));
}

function specFileOf(files: Map<string, Buffer>): string {
  if (files.has("kernel.json")) return "";
  const json = [...files.keys()].filter((n) => !n.includes("/") && n.endsWith(".json"));
  if (json.length === 1) return json[0]!;
  throw invalid("body", "a spec: kernel.json with its sources at the top, or exactly one T1 tuning-space .json file", `${files.size} files (${describeValue([...files.keys()].slice(0, 6))})`);
}

/** Writes the files (once per content: the id is their hash) and says where the spec is. */
export function storeUpload(uploadsDir: string, given: Map<string, Buffer>): UploadedSpec {
  if (given.size === 0) throw invalid("body", "at least one file", "none");
  const files = withoutTopFolder(given);
  const specFile = specFileOf(files);
  const hash = createHash("sha256");
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${name}\0${createHash("sha256").update(content).digest("hex")}\0`);
  const id = `u-${hash.digest("hex").slice(0, 16)}`;
  const dir = join(uploadsDir, id);
  if (!existsSync(dir)) {
    // Written aside, then renamed into place: a folder under its id is always complete.
    const staging = join(uploadsDir, `.staging-${randomBytes(6).toString("hex")}`);
    try {
      for (const [name, content] of files) {
        mkdirSync(dirname(join(staging, name)), { recursive: true });
        writeFileSync(join(staging, name), content, { flag: "wx", mode: 0o644 });
      }
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { id, specPath: specFile ? join(dir, specFile) : dir, files: [...files.keys()].sort() };
}

/** An earlier upload by id, or null. */
export function findUpload(uploadsDir: string, id: string): UploadedSpec | null {
  const dir = join(uploadsDir, id);
  if (!UPLOAD_ID.test(id) || !existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const files = new Map(listFiles(dir).map((n) => [n, Buffer.alloc(0)]));
  const specFile = specFileOf(files);
  return { id, specPath: specFile ? join(dir, specFile) : dir, files: [...files.keys()].sort() };
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}
