// The proof program (main.ts and what it imports) as one ES module a bare `node` runs: the sandbox shows no
// repository (it refuses --ro paths under /work, its own mount point) and no tsx loader, so the program is
// bundled once per process into a folder under the system's temporary directory, named by the hash of the
// bundle (so of the sources), and shown to the sandbox read-only.

import { createHash } from "node:crypto";
import { chmod, lstat, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BUNDLE_FILE = "prove.mjs";

let bundled: Promise<string> | undefined;

/** The folder holding prove.mjs; built on first use, again after a failure. */
export function proofBundle(): Promise<string> {
  bundled ??= buildBundle().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}

async function buildBundle(): Promise<string> {
  // esbuild comes with tsx, which nightshift runs on; imported here only, when a proof first needs it.
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [join(import.meta.dirname, "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    legalComments: "none",
  });
  const code = Buffer.from(out.outputFiles[0]!.contents);
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `nightshift-proof-${hash}`);
  if (await holds(dir, code)) return dir;
  // Written beside it and renamed, so a folder of that name is complete or absent, whoever else builds it.
  const fresh = await mkdtemp(join(tmpdir(), `nightshift-proof-${hash}-`));
  await writeFile(join(fresh, BUNDLE_FILE), code, { mode: 0o644 });
  // The sandbox's user (uid 65534) reads it.
  await chmod(fresh, 0o755);
  try {
    await rename(fresh, dir);
  } catch {
    await rm(fresh, { recursive: true, force: true });
    // Another process won the race, or a stranger's folder sits at that name: use ours only if it holds this code.
    if (!(await holds(dir, code))) return mkdirFresh(hash, code);
  }
  return dir;
}

/** Whether `dir` is our own real folder holding exactly this bundle (a shared temporary directory has other users). */
async function holds(dir: string, code: Buffer): Promise<boolean> {
  try {
    const info = await lstat(dir);
    if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) return false;
    return (await readFile(join(dir, BUNDLE_FILE))).equals(code);
  } catch {
    return false;
  }
}

/** A private folder for this process when the shared name cannot be trusted. */
async function mkdirFresh(hash: string, code: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `nightshift-proof-${hash}-own-`));
  await writeFile(join(dir, BUNDLE_FILE), code, { mode: 0o644 });
  await chmod(dir, 0o755);
  return dir;
}
