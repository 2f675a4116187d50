// Files on the remote side: a content-addressed object store (objects/<sha256>) so a file is uploaded
// once per host however many variants use it, fresh per-stage directories filled from it, reading
// results back, and removal confined to the work dir.

import { createHash, randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { fail } from "../../core/errors.ts";
import { InfraFault } from "../../core/infra-fault.ts";
import { quote } from "../shell-quote.ts";
import { runScript } from "./exec.ts";
import type { Lease, SshConnectionPool } from "./pool.ts";

export interface RemoteLayout {
  workDir: string;
  objects: string;
  stages: string;
  control: string;
}

export function remoteLayout(workDir: string): RemoteLayout {
  const root = posix.normalize(workDir).replace(/\/+$/, "");
  if (!posix.isAbsolute(root) || root === "/") fail("PROFILE_INVALID", `reach.workDir: expected an absolute directory other than /, received ${JSON.stringify(workDir)}`);
  return { workDir: root, objects: `${root}/objects`, stages: `${root}/stage`, control: `${root}/control` };
}

/**
 * Creates the layout and drops what interrupted sessions left: temporary files of uploads cut off over an
 * hour ago, and stage dirs untouched for a day (a run that was killed never removed them).
 */
export const setupScript = (layout: RemoteLayout) =>
  [
    `mkdir -p ${quote(layout.objects)} ${quote(layout.stages)} ${quote(layout.control)}`,
    `find ${quote(layout.objects)} -maxdepth 1 -name '.tmp-*' -mmin +60 -exec rm -f {} + 2>/dev/null`,
    `find ${quote(layout.stages)} -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null`,
    "exit 0",
  ].join("\n");

export interface StagedFile {
  name: string;
  hash: string;
  data: Buffer;
}

/** File names are relative paths inside the stage dir: no absolute paths, no "..". */
export function stagedFiles(files: Record<string, string | Buffer>): StagedFile[] {
  return Object.entries(files).map(([name, content]) => {
    const normal = posix.normalize(name);
    if (name === "" || posix.isAbsolute(name) || normal.startsWith("..") || normal !== name) {
      fail("INTERNAL", `stage: expected relative file names inside the stage dir, received ${JSON.stringify(name)}`);
    }
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    return { name, hash: createHash("sha256").update(data).digest("hex"), data };
  });
}

export function stageDirName(layout: RemoteLayout, label: string): string {
  const safe = label.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64) || "stage";
  return `${layout.stages}/${safe}-${randomBytes(4).toString("hex")}`;
}

/** Prints the hashes missing from the object store; when none are missing, also fills the stage dir. */
export function checkAndMaterializeScript(layout: RemoteLayout, dir: string, files: StagedFile[]): string {
  const hashes = [...new Set(files.map((f) => f.hash))];
  return [
    `cd ${quote(layout.objects)} || exit 3`,
    "missing=0",
    `for h in ${hashes.join(" ")}; do [ -f "$h" ] || { echo "$h"; missing=1; }; done`,
    '[ "$missing" = 0 ] || exit 0',
    materializeScript(layout, dir, files),
    "echo STAGED",
  ].join("\n");
}

/** Copies (never links) objects into the stage dir, so a command that edits its inputs cannot corrupt the store. */
export function materializeScript(layout: RemoteLayout, dir: string, files: StagedFile[]): string {
  const subdirs = [...new Set(files.map((f) => posix.dirname(f.name)).filter((d) => d !== "."))];
  return [
    `mkdir -p ${quote(dir)}${subdirs.map((d) => " " + quote(`${dir}/${d}`)).join("")} || exit 4`,
    ...files.map((f) => `cp ${quote(`${layout.objects}/${f.hash}`)} ${quote(`${dir}/${f.name}`)} || exit 4`),
  ].join("\n");
}

function sftpCall<T>(pool: SshConnectionPool, lease: Lease, what: string, call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  const request = new Promise<T>((resolve, reject) => {
    call((error, value) => (error ? reject(classify(pool, what, error)) : resolve(value as T)));
  });
  const lost = lease.closed.then((): never => {
    throw pool.lost(`${what} failed: the connection closed during the transfer`);
  });
  request.catch(() => {});
  lost.catch(() => {});
  return Promise.race([request, lost]);
}

function classify(pool: SshConnectionPool, what: string, error: Error & { code?: number | string }): Error {
  // SFTP status 2 is "no such file": a missing result file is a fact for the pipeline, not a fault.
  if (error.code === 2 || error.code === "ENOENT") {
    return Object.assign(new Error(`${what}: no such file`), { code: "ENOENT" });
  }
  return new InfraFault("REMOTE_IO", `ssh ${pool.where}: ${what} failed (${error.message})`, { retryable: true, cause: error });
}

/** Writes to a temporary name and renames, so a transfer cut halfway never leaves a wrong object behind. */
async function uploadObject(pool: SshConnectionPool, sftp: SFTPWrapper, lease: Lease, layout: RemoteLayout, file: StagedFile): Promise<void> {
  const target = `${layout.objects}/${file.hash}`;
  const temp = `${layout.objects}/.tmp-${file.hash}-${randomBytes(4).toString("hex")}`;
  await sftpCall<void>(pool, lease, `upload ${file.name}`, (done) => sftp.writeFile(temp, file.data, { mode: 0o755 }, (e) => done(e)));
  await sftpCall<void>(pool, lease, `upload ${file.name}`, (done) => sftp.ext_openssh_rename(temp, target, (e) => done(e)));
}

export interface StageOutcome {
  dir: string;
  uploadedBytes: number;
}

export async function stage(pool: SshConnectionPool, layout: RemoteLayout, label: string, files: Record<string, string | Buffer>): Promise<StageOutcome> {
  const staged = stagedFiles(files);
  const dir = stageDirName(layout, label);
  const first = await runScript(pool, checkAndMaterializeScript(layout, dir, staged));
  if (first.exitCode !== 0) throw new InfraFault("REMOTE_IO", `ssh ${pool.where}: preparing ${dir} failed (exit ${first.exitCode}: ${first.stderr.trim().slice(-300)})`, { retryable: true });
  if (first.stdout.includes("STAGED")) return { dir, uploadedBytes: 0 };
  const missing = new Set(first.stdout.split("\n").map((l) => l.trim()).filter((l) => /^[0-9a-f]{64}$/.test(l)));
  const uploads = [...new Map(staged.filter((f) => missing.has(f.hash)).map((f) => [f.hash, f])).values()];
  await pool.useSftp(async (sftp, lease) => {
    for (const file of uploads) await uploadObject(pool, sftp, lease, layout, file);
  });
  const second = await runScript(pool, materializeScript(layout, dir, staged));
  if (second.exitCode !== 0) throw new InfraFault("REMOTE_IO", `ssh ${pool.where}: filling ${dir} failed (exit ${second.exitCode}: ${second.stderr.trim().slice(-300)})`, { retryable: true });
  return { dir, uploadedBytes: uploads.reduce((n, f) => n + f.data.length, 0) };
}

export async function readRemoteFile(pool: SshConnectionPool, path: string): Promise<Buffer> {
  return pool.useSftp((sftp, lease) => sftpCall<Buffer>(pool, lease, `read ${path}`, (done) => sftp.readFile(path, done)));
}

/** Only paths inside the work dir may be removed: a wrong path here would be a bug, not a fault. */
export function assertInside(layout: RemoteLayout, path: string): string {
  const normal = posix.normalize(path);
  if (!normal.startsWith(`${layout.workDir}/`)) fail("INTERNAL", `remove: expected a path inside ${layout.workDir}, received ${JSON.stringify(path)}`);
  return normal;
}

export async function removeRemote(pool: SshConnectionPool, layout: RemoteLayout, path: string): Promise<void> {
  const target = assertInside(layout, path);
  const out = await runScript(pool, `rm -rf -- ${quote(target)}`);
  if (out.exitCode !== 0) throw new InfraFault("REMOTE_IO", `ssh ${pool.where}: removing ${target} failed (${out.stderr.trim().slice(-300)})`, { retryable: true });
}
