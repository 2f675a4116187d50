// The Executor for a Slurm partition: every command is a batch job (sbatch) whose script records its own
// exit code, output and wall time in the shared work dir; the job is followed with scontrol, cancelled
// with scancel on timeout or stop. sacct is not used (it needs slurmdbd). Slurm commands and files run
// locally, or on a login node over SSH when the profile names one.

import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { InfraFault } from "../core/infra-fault.ts";
import { log } from "../core/log.ts";
import type { SlurmReach } from "../hardware-profiles/schema.ts";
import type { ExecRequest, ExecResult, Executor } from "../harness/types.ts";
import { envAssignments, quote, quoteArgv } from "./shell-quote.ts";
import { SshExecutor } from "./ssh-executor.ts";
import { fromShellStatus } from "./ssh/exec.ts";
import { assertInside, remoteLayout, stagedFiles, stageDirName, type RemoteLayout } from "./ssh/files.ts";

export type SlurmExecutorReach = Pick<SlurmReach, "partition" | "account" | "gpusPerJob" | "workDir" | "login" | "pollIntervalMs">;

export interface SlurmExecutorOptions {
  /** Extra environment for the Slurm client commands (e.g. SLURM_CONF). */
  clientEnv?: Record<string, string>;
  /** How long a job may wait in the queue before the wait counts as an infrastructure fault. */
  maxQueueWaitMs?: number;
}

interface CommandOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Where Slurm commands run and where the shared work dir is read and written. */
interface ControlHost {
  run(argv: string[], timeoutMs?: number): Promise<CommandOutput>;
  stage(layout: RemoteLayout, label: string, files: Record<string, string | Buffer>): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}

class LocalControl implements ControlHost {
  constructor(private readonly env: Record<string, string>) {}

  run(argv: string[], timeoutMs = 30_000): Promise<CommandOutput> {
    return new Promise((resolve, reject) => {
      execFile(argv[0]!, argv.slice(1), { env: { ...process.env, ...this.env }, timeout: timeoutMs, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === "string") {
          return reject(new InfraFault("SCHEDULER", `${argv[0]}: expected the Slurm client command to run, received ${(error as NodeJS.ErrnoException).code}`, { retryable: false }));
        }
        resolve({ exitCode: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
  }

  async stage(layout: RemoteLayout, label: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = stageDirName(layout, label);
    try {
      for (const file of stagedFiles(files)) {
        await mkdir(posix.dirname(`${dir}/${file.name}`), { recursive: true });
        await writeFile(`${dir}/${file.name}`, file.data, { mode: 0o755 });
      }
    } catch (error) {
      throw new InfraFault("REMOTE_IO", `slurm: writing ${dir} in the shared work dir failed (${(error as Error).message})`, { retryable: true });
    }
    return dir;
  }

  async readFile(path: string): Promise<Buffer> {
    try {
      return await readFile(path);
    } catch (error) {
      // A missing file is the pipeline's to interpret; anything else is the shared file system failing.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw error;
      throw new InfraFault("REMOTE_IO", `slurm: reading ${path} from the shared work dir failed (${(error as Error).message})`, { retryable: true });
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      throw new InfraFault("REMOTE_IO", `slurm: removing ${path} from the shared work dir failed (${(error as Error).message})`, { retryable: true });
    }
  }

  async close(): Promise<void> {}
}

class SshControl implements ControlHost {
  private readonly ssh: SshExecutor;
  private readonly envWords: string[];

  constructor(login: NonNullable<SlurmReach["login"]>, workDir: string, env: Record<string, string>) {
    this.ssh = new SshExecutor({ ...login, workDir });
    this.envWords = envAssignments({ ...login.env, ...env });
  }

  async run(argv: string[], timeoutMs = 30_000): Promise<CommandOutput> {
    const out = await this.ssh.query(quoteArgv(this.envWords.length > 0 ? ["env", ...this.envWords, ...argv] : argv), timeoutMs);
    return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  }

  stage(_layout: RemoteLayout, label: string, files: Record<string, string | Buffer>): Promise<string> {
    return this.ssh.stage(label, files);
  }

  readFile(path: string): Promise<Buffer> {
    return this.ssh.readFile(path);
  }

  remove(path: string): Promise<void> {
    return this.ssh.remove(path);
  }

  close(): Promise<void> {
    return this.ssh.close();
  }
}

/** The batch script (job dir as $1): runs argv in cwd, then records exit code and wall time next to its output. */
export function jobScript(request: ExecRequest): string {
  const limitS = Math.ceil(request.timeoutMs / 1000) + 3;
  return [
    "#!/bin/sh",
    'jd="$1"',
    'touch "$jd/started"',
    `cd ${quote(request.cwd)} || { echo 125 0 > "$jd/rc.tmp"; mv "$jd/rc.tmp" "$jd/rc"; exit 125; }`,
    request.memoryLimitMb ? `ulimit -v ${Math.floor(request.memoryLimitMb * 1024)}` : "",
    "start=$(date +%s%N)",
    // timeout is the safety net if scancel never comes (the submitting process died).
    `${quoteArgv(["timeout", "-s", "KILL", String(limitS), "env", ...envAssignments(request.env), ...request.argv])} > "$jd/stdout" 2> "$jd/stderr" < /dev/null`,
    "rc=$?",
    "end=$(date +%s%N)",
    'echo "$rc $(( (end - start) / 1000000 ))" > "$jd/rc.tmp"',
    'mv "$jd/rc.tmp" "$jd/rc"',
    'exit "$rc"',
    "",
  ]
    .filter((l) => l !== "")
    .join("\n");
}

export interface JobInfo {
  state: string;
  exitCode: number | null;
  signal: number | null;
  reason: string;
}

/** Reads `scontrol show job -o` output; null when Slurm no longer knows the job. */
export function parseJobInfo(text: string): JobInfo | null {
  const state = /\bJobState=(\S+)/.exec(text)?.[1];
  if (!state) return null;
  const exit = /\bExitCode=(\d+):(\d+)/.exec(text);
  return {
    state,
    exitCode: exit ? Number(exit[1]) : null,
    signal: exit ? Number(exit[2]) : null,
    reason: /\bReason=(\S+)/.exec(text)?.[1] ?? "None",
  };
}

const ACTIVE = new Set(["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Slurm's --time in whole minutes, at least one more than the limit so our own timer decides. */
export function slurmMinutes(timeoutMs: number): string {
  const minutes = Math.ceil(timeoutMs / 60_000) + 1;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:00`;
}

export class SlurmExecutor implements Executor {
  readonly name: string;
  readonly layout: RemoteLayout;
  private readonly reach: SlurmExecutorReach;
  private readonly control: ControlHost;
  private readonly maxQueueWaitMs: number;
  private readonly jobs = new Set<string>();

  constructor(reach: SlurmExecutorReach, options: SlurmExecutorOptions = {}) {
    this.reach = reach;
    this.layout = remoteLayout(reach.workDir);
    this.name = `slurm:${reach.partition}`;
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? 30 * 60_000;
    this.control = reach.login ? new SshControl(reach.login, this.layout.workDir, options.clientEnv ?? {}) : new LocalControl(options.clientEnv ?? {});
  }

  stage(label: string, files: Record<string, string | Buffer>): Promise<string> {
    return this.control.stage(this.layout, label, files);
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    try {
      return await this.runJob(request);
    } catch (error) {
      if (error instanceof InfraFault) return { kind: "infra", cause: error.message, retryable: error.retryable };
      throw error;
    }
  }

  readFile(path: string): Promise<Buffer> {
    return this.control.readFile(path);
  }

  remove(path: string): Promise<void> {
    return this.control.remove(assertInside(this.layout, path));
  }

  /** The lane's health probe: the controller answers and the partition exists. */
  async probe(): Promise<void> {
    const out = await this.control.run(["scontrol", "show", "partition", "-o", this.reach.partition], 15_000);
    const state = /\bState=(\S+)/.exec(out.stdout)?.[1];
    if (out.exitCode !== 0 || state !== "UP") {
      throw new InfraFault("SCHEDULER", `${this.name}: expected partition ${this.reach.partition} to be UP, received ${state ?? (out.stderr.trim().slice(-200) || "no answer")}`, { retryable: true });
    }
  }

  /** Cancels every job this executor submitted that may still be queued or running. */
  async cancelAll(): Promise<void> {
    const ids = [...this.jobs];
    if (ids.length > 0) await this.control.run(["scancel", ...ids]).catch(() => {});
  }

  async close(): Promise<void> {
    await this.cancelAll();
    await this.control.close();
  }

  private async runJob(request: ExecRequest): Promise<ExecResult> {
    const jobDir = await this.control.stage(this.layout, "job", { "job.sh": jobScript(request) });
    const jobId = await this.submit(request, jobDir);
    this.jobs.add(jobId);
    try {
      return await this.follow(request, jobId, jobDir);
    } finally {
      this.jobs.delete(jobId);
      await this.control.remove(jobDir).catch(() => {});
    }
  }

  private async submit(request: ExecRequest, jobDir: string): Promise<string> {
    const argv = [
      "sbatch",
      "--parsable",
      `--partition=${this.reach.partition}`,
      ...(this.reach.account ? [`--account=${this.reach.account}`] : []),
      ...(this.reach.gpusPerJob > 0 ? [`--gpus=${this.reach.gpusPerJob}`] : []),
      `--time=${slurmMinutes(request.timeoutMs)}`,
      "--job-name=nightshift",
      "--output=/dev/null",
      "--error=/dev/null",
      `--chdir=${jobDir}`,
      `${jobDir}/job.sh`,
      jobDir,
    ];
    const out = await this.control.run(argv);
    const jobId = /^(\d+)/.exec(out.stdout.trim())?.[1];
    if (out.exitCode !== 0 || !jobId) {
      throw new InfraFault("SCHEDULER", `${this.name}: expected sbatch to print a job id, received exit ${out.exitCode}: ${(out.stderr || out.stdout).trim().slice(-300)}`, { retryable: true });
    }
    log.debug({ device: this.name, jobId, argv0: request.argv[0] }, "slurm job submitted");
    return jobId;
  }

  private async jobInfo(jobId: string): Promise<JobInfo | null> {
    const out = await this.control.run(["scontrol", "show", "job", "-o", jobId]);
    if (out.exitCode !== 0) {
      if (/Invalid job id/i.test(out.stderr)) return null;
      throw new InfraFault("SCHEDULER", `${this.name}: scontrol show job ${jobId} failed (${out.stderr.trim().slice(-300)})`, { retryable: true });
    }
    return parseJobInfo(out.stdout);
  }

  /** Polls until the job ends; the time limit counts from the moment the job runs, not from submission. */
  private async follow(request: ExecRequest, jobId: string, jobDir: string): Promise<ExecResult> {
    const submitted = Date.now();
    let runningSince: number | undefined;
    let timedOut = false;
    let info: JobInfo | null = null;
    for (;;) {
      info = await this.jobInfo(jobId);
      if (!info || !ACTIVE.has(info.state)) break;
      const now = Date.now();
      if (runningSince === undefined && info.state !== "PENDING") runningSince = now;
      if (runningSince !== undefined && now - runningSince > request.timeoutMs && !timedOut) {
        timedOut = true;
        await this.control.run(["scancel", "--signal=KILL", "--full", jobId]);
      } else if (runningSince === undefined && now - submitted > this.maxQueueWaitMs) {
        await this.control.run(["scancel", jobId]);
        throw new InfraFault("SCHEDULER", `${this.name}: job ${jobId} waited more than ${this.maxQueueWaitMs} ms in the queue (${info.reason})`, { retryable: true });
      }
      await sleep(this.reach.pollIntervalMs);
    }
    const [stdout, stderr] = await Promise.all([this.readText(`${jobDir}/stdout`), this.readText(`${jobDir}/stderr`)]);
    const wallMs = runningSince === undefined ? 0 : Date.now() - runningSince;
    if (timedOut) return { kind: "exited", exitCode: null, signal: "SIGKILL", stdout, stderr, wallMs, timedOut: true };
    const rc = (await this.readText(`${jobDir}/rc`)).trim().split(" ");
    if (info && (info.state === "CANCELLED" || info.state === "PREEMPTED" || info.state === "NODE_FAIL" || info.state === "BOOT_FAIL" || info.state === "DEADLINE")) {
      // Not our timeout: the scheduler or an operator ended the job, which says nothing about the kernel.
      return { kind: "infra", cause: `${this.name}: job ${jobId} ended as ${info.state} (reason ${info.reason}) without nightshift cancelling it`, retryable: true };
    }
    if (info?.state === "TIMEOUT") return { kind: "exited", exitCode: null, signal: "SIGKILL", stdout, stderr, wallMs, timedOut: true };
    if (info?.state === "OUT_OF_MEMORY") return { kind: "exited", exitCode: null, signal: "SIGKILL", stdout, stderr: `${stderr}\n(slurm: OUT_OF_MEMORY)`, wallMs, timedOut: false };
    if (rc.length < 2 || !/^\d+$/.test(rc[0]!)) {
      return { kind: "infra", cause: `${this.name}: job ${jobId} ended (${info?.state ?? "no longer known to Slurm"}) without recording an exit code`, retryable: true };
    }
    return { kind: "exited", ...fromShellStatus(Number(rc[0])), stdout, stderr, wallMs: Number(rc[1]), timedOut: false };
  }

  private async readText(path: string): Promise<string> {
    try {
      return (await this.control.readFile(path)).toString("utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw error;
    }
  }
}
