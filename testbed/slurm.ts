// A real single-node Slurm cluster for tests: munged with its own key and socket, slurmctld -D and
// slurmd -D with a minimal slurm.conf in a temp dir. Client commands find it through SLURM_CONF.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo, availableParallelism } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./procs.ts";

const BINARIES = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/squeue", "/usr/bin/scontrol", "/usr/bin/scancel"];
export const haveSlurm = BINARIES.every((b) => existsSync(b));
export const slurmSkipReason = haveSlurm ? "" : `Slurm/munge not installed (expected ${BINARIES.filter((b) => !existsSync(b)).join(", ")}; .ci/run installs slurm-wlm and munge)`;

export interface SlurmFixture {
  dir: string;
  conf: string;
  partition: string;
  /** A directory the submitting side and the node share (the same machine here). */
  workDir: string;
  /** Environment for Slurm client commands (SLURM_CONF). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function daemon(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env });
  child.stderr!.resume();
  return child;
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

export async function startSlurm(): Promise<SlurmFixture> {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-slurm-"));
  chmodSync(dir, 0o755);
  const mungeDir = join(dir, "munge");
  mkdirSync(mungeDir, { mode: 0o755 });
  chmodSync(mungeDir, 0o755); // munged refuses a socket dir that others may write, and clients need to reach it
  const key = join(mungeDir, "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(mungeDir, "munge.socket.2");
  const env = { ...process.env };
  const munged = daemon("/usr/sbin/munged", ["-F", "--force", `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(mungeDir, "munged.pid")}`, `--log-file=${join(mungeDir, "munged.log")}`, `--seed-file=${join(mungeDir, "munged.seed")}`], env);
  const children: ChildProcess[] = [munged];
  try {
    await waitFor(() => existsSync(socket), 10_000, "munged's socket");
    const node = hostname().split(".")[0]!;
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const user = userInfo().username;
    for (const sub of ["state", "spool", "log", "work"]) mkdirSync(join(dir, sub), { mode: 0o755 });
    const conf = join(dir, "slurm.conf");
    writeFileSync(
      conf,
      [
        "ClusterName=nightshift-test",
        `SlurmctldHost=${node}`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${join(dir, "state")}`,
        `SlurmdSpoolDir=${join(dir, "spool")}`,
        `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
        `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "SchedulerType=sched/builtin",
        // Slurm waits 3 s by default before scheduling a batch job; tests and short jobs should not.
        "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0",
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=300",
        "KillWait=2",
        "InactiveLimit=0",
        "JobAcctGatherType=jobacct_gather/none",
        `NodeName=${node} CPUs=${availableParallelism()} State=UNKNOWN`,
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4",
        "",
      ].join("\n"),
    );
    const slurmEnv = { ...process.env, SLURM_CONF: conf };
    children.push(daemon("/usr/sbin/slurmctld", ["-D", "-i", "-f", conf], slurmEnv));
    await waitFor(() => { try { execFileSync("scontrol", ["ping"], { env: slurmEnv, stdio: "ignore" }); return true; } catch { return false; } }, 15_000, "slurmctld to answer scontrol ping");
    children.push(daemon("/usr/sbin/slurmd", ["-D", "-f", conf], slurmEnv));
    await waitFor(() => {
      try {
        const state = execFileSync("sinfo", ["-h", "-o", "%T", "-n", node], { env: slurmEnv, encoding: "utf8" }).trim();
        return state === "idle" || state === "mixed";
      } catch {
        return false;
      }
    }, 20_000, `node ${node} to be idle in sinfo`);
    return {
      dir,
      conf,
      partition: "debug",
      workDir: join(dir, "work"),
      env: { SLURM_CONF: conf },
      async stop() {
        try { execFileSync("scancel", ["--user", user], { env: slurmEnv, stdio: "ignore" }); } catch { /* no jobs */ }
        for (const child of children.slice().reverse()) await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const child of children.slice().reverse()) await stopChild(child);
    throw error;
  }
}
