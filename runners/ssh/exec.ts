// Remote execution under a time limit. The command runs as the leader of its own session (setsid), so
// its process group id is its pid; the wrapper records it, and on timeout or cancel `kill -s KILL -- -pgid`
// ends everything the command started. GNU timeout inside the group is the safety net for a lost
// connection: the group dies on the remote side even when nobody is left to send the kill. Scripts run
// on the host's persistent shells (shell.ts), so the login shell's start-up is not paid per command.

import { randomBytes } from "node:crypto";
import type { Client, ClientChannel } from "ssh2";
import { InfraFault } from "../../core/infra-fault.ts";
import { timerDelayMs } from "../../core/timer-delay.ts";
import type { ExecRequest, ExecResult } from "../../harness/types.ts";
import { envAssignments, quote, quoteArgv } from "../shell-quote.ts";
import type { SshConnectionPool } from "./pool.ts";

/** How much longer the remote safety net waits than the local timer, so the local timer decides. */
const REMOTE_GRACE_S = 3;

export interface RawOutput {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM" };

/** The wrapper shells report death by signal N as status 128+N; give it back as the signal it was. */
export function fromShellStatus(status: number | null): { exitCode: number | null; signal: string | null } {
  if (status !== null && status > 128 && status < 160) return { exitCode: null, signal: SIGNALS[status - 128] ?? `SIG${status - 128}` };
  return { exitCode: status, signal: null };
}

function openExec(client: Client, script: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(script, (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(error);
    }
  });
}

/** Runs a short control script (mkdir, rm, kill) on a persistent shell; a lost connection or no answer rejects. */
export async function runScript(pool: SshConnectionPool, script: string, timeoutMs = 30_000): Promise<RawOutput> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InfraFault("CONNECTION_LOST", `ssh ${pool.where}: a control command gave no answer within ${timeoutMs} ms`, { retryable: true })), timeoutMs);
  });
  try {
    const out = await Promise.race([pool.shells.run(script), timeout]);
    return { ...out, signal: null };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a script on a channel of its own instead of a persistent shell: kills must get through even when
 * every shell is busy with the commands they are meant to stop.
 */
export async function runRawScript(pool: SshConnectionPool, script: string, timeoutMs = 10_000): Promise<void> {
  await pool.use(async (lease) => {
    let channel: ClientChannel;
    try {
      channel = await openExec(lease.client, script);
    } catch (error) {
      throw pool.lost(`opening a channel failed (${(error as Error).message})`, error);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(pool.lost(`a kill command gave no answer within ${timeoutMs} ms`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      channel.resume();
      channel.stderr.resume();
      channel.on("close", done);
      void lease.closed.then(() => {
        clearTimeout(timer);
        reject(pool.lost("the connection was lost while a kill command ran"));
      });
    });
  });
}

/** The sh script that runs argv as its own process group and cleans the group up afterwards. */
export function wrapperScript(request: ExecRequest, pgidFile: string): string {
  const remoteLimitS = Math.ceil(request.timeoutMs / 1000) + REMOTE_GRACE_S;
  const command = quoteArgv(["timeout", "-s", "KILL", String(remoteLimitS), "env", ...envAssignments(request.env), ...request.argv]);
  const lines = [
    `cd ${quote(request.cwd)} || exit 125`,
    // A background job of a non-interactive sh is not a group leader, so setsid makes it a session
    // leader without forking: $! is then the pid, the pgid and the sid of the command.
    request.memoryLimitMb ? `ulimit -v ${Math.floor(request.memoryLimitMb * 1024)}` : "",
    `setsid ${command} &`,
    "pg=$!",
    `echo "$pg" > ${quote(pgidFile)}`,
    'wait "$pg"; rc=$?',
    // Whatever the command left behind (daemonised children, leaked threads' processes) goes with it.
    'kill -s KILL -- "-$pg" 2>/dev/null',
    `rm -f ${quote(pgidFile)}`,
    'exit "$rc"',
  ];
  return lines.filter((l) => l !== "").join("\n");
}

/** Kills the process group recorded in `pgidFile`, waiting briefly for the file if the command just started. */
export function killScript(pgidFile: string, waitForFile = true): string {
  const f = quote(pgidFile);
  return [
    "i=0",
    waitForFile ? `while [ ! -s ${f} ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done` : "",
    `[ -s ${f} ] || exit 0`,
    `pg=$(cat ${f})`,
    'case "$pg" in ""|*[!0-9]*) exit 0;; esac',
    // A stale file (the host rebooted) may name a group id now reused by someone else: our group's
    // leader is always `timeout`, so anything else is left alone.
    `if [ -r "/proc/$pg/comm" ] && [ "$(cat "/proc/$pg/comm")" != timeout ]; then rm -f ${f}; exit 0; fi`,
    'kill -s KILL -- "-$pg" 2>/dev/null',
    `rm -f ${f}`,
    "exit 0",
  ]
    .filter((l) => l !== "")
    .join("\n");
}

export class RemoteExec {
  private readonly pool: SshConnectionPool;
  private readonly controlDir: string;
  /** pgid files of commands now running, so close() and reconnects can kill them. */
  private readonly running = new Map<string, { kill: () => Promise<void> }>();
  /** pgid files of commands whose connection died under them: killed on the next connection. */
  readonly orphans = new Set<string>();

  constructor(pool: SshConnectionPool, controlDir: string) {
    this.pool = pool;
    this.controlDir = controlDir;
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    const pgidFile = `${this.controlDir}/${randomBytes(8).toString("hex")}.pgid`;
    const script = wrapperScript(request, pgidFile);
    const started = Date.now();
    let timedOut = false;
    const killGroup = () =>
      runRawScript(this.pool, killScript(pgidFile), 10_000).then(
        () => {},
        () => {
          this.orphans.add(pgidFile);
        },
      );
    const timer = setTimeout(() => {
      timedOut = true;
      void killGroup();
    }, timerDelayMs(request.timeoutMs));
    this.running.set(pgidFile, { kill: killGroup });
    try {
      const out = await this.pool.shells.run(script);
      const wallMs = Date.now() - started;
      if (timedOut) return { kind: "exited", exitCode: null, signal: "SIGKILL", stdout: out.stdout, stderr: out.stderr, wallMs, timedOut: true };
      return { kind: "exited", ...fromShellStatus(out.exitCode), stdout: out.stdout, stderr: out.stderr, wallMs, timedOut: false };
    } catch (error) {
      if (!(error instanceof InfraFault)) throw error;
      // The command may still run on the host: its group is killed on the next connection.
      this.orphans.add(pgidFile);
      return { kind: "infra", cause: `${error.message} (${request.argv[0]})`, retryable: error.retryable };
    } finally {
      clearTimeout(timer);
      this.running.delete(pgidFile);
    }
  }

  /** Kills every command this executor started that may still run. */
  async killAll(): Promise<void> {
    await Promise.all([...this.running.values()].map(({ kill }) => kill()));
    await this.reapOrphans();
  }

  /** Kills the groups a lost connection left behind; called on every new connection. */
  async reapOrphans(client?: Client): Promise<void> {
    if (this.orphans.size === 0) return;
    const files = [...this.orphans];
    const script = files.map((f) => `(${killScript(f, false)})`).join("\n");
    try {
      if (client) {
        const channel = await openExec(client, script);
        await new Promise<void>((resolve) => {
          channel.resume();
          channel.stderr.resume();
          channel.on("close", () => resolve());
        });
      } else {
        await runScript(this.pool, script, 10_000);
      }
      for (const f of files) this.orphans.delete(f);
    } catch {
      // Still unreachable: the remote timeout ends them, and the next connection tries again.
    }
  }
}
