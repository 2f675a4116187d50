// The one way nightshift reads a file a user named (specs, sources, profiles, keys, tuning data): the
// path is checked before it is opened and the read is bounded. A folder, a named pipe or a device given
// where a file belongs would otherwise mean a stack trace, a read that never ends (/dev/zero, a pipe
// nobody writes to) or memory exhausted by a multi-gigabyte file; each is one line naming the file instead.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { describeValue, fail, type ErrorCode } from "./errors.ts";

/** What a kind of file is called in messages, and the most nightshift reads of one. */
export interface FileKind {
  what: string;
  maxBytes: number;
}

const MiB = 1024 * 1024;

/** Caps per kind: far above any real file of the kind, far below what would strain the machine. */
export const FILE_KINDS = {
  spec: { what: "a kernel spec (JSON)", maxBytes: 4 * MiB },
  source: { what: "a kernel source file", maxBytes: 4 * MiB },
  profile: { what: "a hardware profile (JSON)", maxBytes: 4 * MiB },
  sshIdentity: { what: "an SSH private key", maxBytes: 1 * MiB },
  knownHosts: { what: "a known_hosts file", maxBytes: 16 * MiB },
  tuningData: { what: "a tuning-data file", maxBytes: 128 * MiB },
  lock: { what: "a lock file", maxBytes: 4096 },
} as const satisfies Record<string, FileKind>;

export type FileRead = { ok: true; bytes: Buffer } | { ok: false; problem: string };

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}

/** What a path that is not a regular file is, in words ("a folder, not a file"); null for a regular file. */
export function notAFile(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return "a folder, not a file";
  if (stats.isFIFO()) return "a named pipe, not a file";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device, not a file";
  if (stats.isSocket()) return "a socket, not a file";
  return "not a regular file";
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: "does not exist",
  ENOTDIR: "does not exist (a file is in the way on its path)",
  EACCES: "cannot be read (permission denied)",
  EPERM: "cannot be read (permission denied)",
  ELOOP: "cannot be read (too many symbolic links)",
  ENAMETOOLONG: "cannot be read (the path is too long)",
  EISDIR: "is a folder, not a file",
  EIO: "cannot be read (input/output error)",
};

function errnoProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== "string") throw error;
  return ERRNO_WORDS[code] ?? `cannot be read (${code})`;
}

/**
 * Reads a whole regular file of at most `kind.maxBytes`. Only system errors become problems; anything
 * else is a bug and keeps its trace.
 */
export function readBoundedFile(path: string, kind: FileKind): FileRead {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return { ok: false, problem: errnoProblem(error) };
  }
  // Checked before opening: opening some devices does something, and a pipe blocks until a writer comes.
  const before = notAFile(stats);
  if (before !== null) return { ok: false, problem: `is ${before}` };
  if (stats.size > kind.maxBytes) return { ok: false, problem: `is ${formatBytes(stats.size)}, above the ${formatBytes(kind.maxBytes)} limit` };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return { ok: false, problem: errnoProblem(error) };
  }
  try {
    // The path may have been swapped between the check and the open: what was opened is what counts.
    const after = notAFile(fstatSync(fd));
    if (after !== null) return { ok: false, problem: `is ${after}` };
    return readUpTo(fd, kind);
  } catch (error) {
    return { ok: false, problem: errnoProblem(error) };
  } finally {
    closeSync(fd);
  }
}

/** Reads at most one byte more than allowed, so a file that grew (or a /proc file reporting size 0) is still caught. */
function readUpTo(fd: number, kind: FileKind): FileRead {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 * MiB, kind.maxBytes + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > kind.maxBytes) return { ok: false, problem: `is larger than the ${formatBytes(kind.maxBytes)} limit` };
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/** readBoundedFile for configuration: a problem is the user's to fix, one line naming the field and the path. */
export function readFileOrFail(path: string, kind: FileKind, code: ErrorCode, field: string): Buffer {
  const read = readBoundedFile(path, kind);
  if (!read.ok) fail(code, `${field}: expected ${kind.what} of at most ${formatBytes(kind.maxBytes)}, received ${describePath(path)}, which ${read.problem}`);
  return read.bytes;
}

/** A path in a message: quoted, and shortened only when it is absurdly long. */
export function describePath(path: string): string {
  return path.length <= 240 ? JSON.stringify(path) : describeValue(path);
}
