// Creating a folder and its parents, one level at a time. Node's recursive mkdir never returns for a path
// under /proc (the kernel answers "no such file" for a parent that exists, and Node retries forever), and
// its errors name only the last path it tried; here each level is checked and the first one that cannot
// be made is named with the reason.

import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export type MadeDirectory = { ok: true } | { ok: false; problem: string };

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "too many symbolic links",
  EIO: "input/output error",
  EEXIST: "a file, not a folder, is at that path",
  ENOTDIR: "a file is in the way on that path",
  EISDIR: "a folder is in the way of a file",
};

/** The words for a system error code; other errors are bugs and are rethrown. */
export function systemErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== "string") throw error;
  return REASONS[code] ?? code;
}

/** The path and each of its parents, root first. */
function levels(path: string): string[] {
  const out: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    out.unshift(at);
    if (dirname(at) === at) return out;
  }
}

export function makeDirectory(path: string): MadeDirectory {
  for (const level of levels(path)) {
    const kind = existingKind(level);
    if (kind === "folder") continue;
    if (kind !== "missing") return { ok: false, problem: kind === "other" ? (level === resolve(path) ? "a file, not a folder, is at that path" : `a file is in the way at ${JSON.stringify(level)}`) : kind.problem };
    try {
      mkdirSync(level);
    } catch (error) {
      // Made meanwhile by another process: fine if it is a folder.
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && existingKind(level) === "folder") continue;
      // ENOENT for a parent that exists: a virtual file system (/proc, /sys) that refuses new entries.
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "the file system there does not allow new folders" : systemErrorReason(error);
      return { ok: false, problem: `cannot create ${JSON.stringify(level)}: ${reason}` };
    }
  }
  return { ok: true };
}

function existingKind(path: string): "folder" | "missing" | "other" | { problem: string } {
  try {
    return statSync(path).isDirectory() ? "folder" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return { problem: `cannot inspect ${JSON.stringify(path)}: ${systemErrorReason(error)}` };
  }
}
