// Report and dispatch files go where the user's --out points. A folder that cannot take them (a file in
// the way, no permission, a full disk) is the user's to fix, so it becomes one line naming the folder and
// the reason rather than a file-system stack trace.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fail } from "../core/errors.ts";

const REASONS: Readonly<Record<string, string>> = {
  EEXIST: "a file, not a folder, is at that path",
  ENOTDIR: "a file is in the way on that path",
  EISDIR: "a folder is in the way of a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "the path is too long",
};

export function makeOutDir(dir: string): void {
  guarded(dir, null, () => mkdirSync(dir, { recursive: true }));
}

export function writeOutFile(dir: string, path: string, text: string): void {
  guarded(dir, path, () => writeFileSync(path, text));
}

function guarded(dir: string, file: string | null, action: () => void): void {
  try {
    action();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only system errors are the folder's fault; anything else is a bug and keeps its trace.
    if (typeof code !== "string") throw error;
    const reason = REASONS[code] ?? code;
    fail("USAGE", `--out: expected a writable folder, received ${JSON.stringify(dir)} (${reason}${file ? ` writing ${basename(file)}` : ""})`, error);
  }
}
