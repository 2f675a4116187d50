// The Executor for this machine. Every stage is a fresh temporary directory; every command runs as the
// leader of its own process group (detached), under a memory limit, and when it ends (or its time runs
// out) the whole group is killed with SIGKILL and checked to be gone, so nothing a variant started can
// keep running into the next measurement.

import { spawn } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative, isAbsolute } from "node:path";
import { fail } from "../core/errors.ts";
import { TailBuffer } from "../core/tail-buffer.ts";
import { timerDelayMs } from "../core/timer-delay.ts";
import type { ExecRequest, ExecResult, Executor } from "../harness/types.ts";

/** Output beyond this is dropped from the front: only a tail is ever shown, and a chatty variant must not exhaust memory. */
const OUTPUT_KEEP_BYTES = 256 * 1024;
const GROUP_GONE_WAIT_MS = 3000;
const PIPES_CLOSE_WAIT_MS = 2000;

export interface LocalExecutorOptions {
  /** Parent directory for the executor's own temporary root (default: the OS temp dir). */
  parentDir?: string;
}

function onPath(tool: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Members of the group that are not zombies: a killed child stays a zombie until init reaps it, which can take seconds. */
function liveMembers(pgid: number): number {
  let live = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") live++;
    } catch {
      // the process ended while we looked
    }
  }
  return live;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return liveMembers(pgid) > 0;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: the group is already empty.
  }
}

async function waitGroupGone(pgid: number): Promise<boolean> {
  const deadline = Date.now() + GROUP_GONE_WAIT_MS;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    killGroup(pgid);
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

export class LocalExecutor implements Executor {
  readonly name = "local";
  /** A promise, so that concurrent first stages share one root instead of racing to create two. */
  private root: Promise<string> | null = null;
  private readonly usePrlimit = onPath("prlimit");

  constructor(private readonly options: LocalExecutorOptions = {}) {}

  /** The executor's temporary root (created on first use); every staged directory lives under it. */
  rootDir(): Promise<string> {
    this.root ??= mkdtemp(join(this.options.parentDir ?? tmpdir(), "nightshift-"));
    return this.root;
  }

  async stage(label: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = await mkdtemp(join(await this.rootDir(), `${label.replace(/[^A-Za-z0-9_.-]/g, "_")}-`));
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      const rel = relative(dir, path);
      if (rel.startsWith("..") || isAbsolute(rel)) fail("INTERNAL", `stage: expected a file name inside the stage, received ${JSON.stringify(name)}`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
    return dir;
  }

  /** The command line actually spawned: the memory limit wraps the program and execs it, so the pid is the program's. */
  private commandLine(request: ExecRequest): string[] {
    if (request.memoryLimitMb === undefined) return request.argv;
    const bytes = request.memoryLimitMb * 1024 * 1024;
    if (this.usePrlimit) return ["prlimit", `--as=${bytes}`, "--", ...request.argv];
    return ["sh", "-c", `ulimit -v ${request.memoryLimitMb * 1024} && exec "$@"`, "sh", ...request.argv];
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    const argv = this.commandLine(request);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C" };
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith("OMP_") && v !== undefined) env[k] = v;
    Object.assign(env, request.env ?? {});
    return new Promise((resolve) => {
      const started = performance.now();
      const child = spawn(argv[0]!, argv.slice(1), { cwd: request.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      const stdout = new TailBuffer(OUTPUT_KEEP_BYTES);
      const stderr = new TailBuffer(OUTPUT_KEEP_BYTES);
      child.stdout.on("data", (c: Buffer) => stdout.push(c));
      child.stderr.on("data", (c: Buffer) => stderr.push(c));
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) killGroup(child.pid);
      }, timerDelayMs(request.timeoutMs));
      child.on("error", (error) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve({ kind: "infra", cause: `cannot start ${argv[0]}: ${error.message}`, retryable: false });
      });
      child.on("exit", (exitCode, signal) => {
        clearTimeout(timer);
        const wallMs = performance.now() - started;
        const pgid = child.pid!;
        // Whatever the program left in its group (a forked helper, a daemon) dies with it.
        killGroup(pgid);
        void waitGroupGone(pgid).then((gone) => {
          if (settled) return;
          settled = true;
          if (!gone) {
            resolve({ kind: "infra", cause: `process group ${pgid} of ${argv[0]} survived SIGKILL`, retryable: false });
            return;
          }
          // Pipes stay open only while something holds them. The group is gone, but a process that left it
          // (setsid) may still: the result does not wait for it longer than PIPES_CLOSE_WAIT_MS.
          const finish = () => {
            clearTimeout(giveUp);
            resolve({ kind: "exited", exitCode, signal, stdout: stdout.text(), stderr: stderr.text(), wallMs, timedOut });
          };
          const giveUp = setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            finish();
          }, PIPES_CLOSE_WAIT_MS);
          if (child.stdout.readableEnded && child.stderr.readableEnded) finish();
          else child.once("close", finish);
        });
      });
    });
  }

  async readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async remove(path: string): Promise<void> {
    const root = await this.rootDir();
    const rel = relative(root, path);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) fail("INTERNAL", `remove: expected a directory staged by this executor under ${root}, received ${JSON.stringify(path)}`);
    await rm(path, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    const root = this.root;
    this.root = null;
    if (root) await rm(await root, { recursive: true, force: true });
  }
}
