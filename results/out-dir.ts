// Report and dispatch files go where the user's --out points. A folder that cannot take them (a file in
// the way, no permission, a full disk) is the user's to fix, so it becomes one line naming the folder and
// the reason rather than a file-system stack trace.

import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fail } from "../core/errors.ts";
import { makeDirectory, systemErrorReason } from "../core/make-dir.ts";
import { describePath } from "../core/read-file.ts";

export function makeOutDir(dir: string): void {
  const made = makeDirectory(dir);
  if (!made.ok) fail("USAGE", `--out: expected a writable folder, received ${describePath(dir)} (${made.problem})`);
}

export function writeOutFile(dir: string, path: string, text: string): void {
  guarded(dir, path, () => writeFileSync(path, text));
}

function guarded(dir: string, file: string | null, action: () => void): void {
  try {
    action();
  } catch (error) {
    // Only system errors are the folder's fault; anything else is a bug and keeps its trace (rethrown here).
    const reason = systemErrorReason(error);
    fail("USAGE", `--out: expected a writable folder, received ${describePath(dir)} (${reason}${file ? ` writing ${basename(file)}` : ""})`, error);
  }
}
