// Persistent remote shells. sshd starts every command through the user's login shell, which on many
// hosts reads a heavy rc file (bash sources ~/.bashrc for SSH commands): hundreds of milliseconds per
// command. A few long-lived `sh` processes per host take scripts on stdin instead, so that cost is paid
// once per shell. Each script runs in its own `sh -c` (a script error cannot break the shell), and its
// end is framed by a random token on stdout (with the exit status) and on stderr.

import { randomBytes } from "node:crypto";
import type { ClientChannel } from "ssh2";
import { TailBuffer } from "../../core/tail-buffer.ts";
import { quote } from "../shell-quote.ts";
import type { Lease, SshConnectionPool } from "./pool.ts";

export interface ScriptOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Captured output keeps its tail: the end of stderr is where compilers and crashes say what happened. */
export const OUTPUT_CAP_BYTES = 1 << 20;
// The buffers keep a little more than the cap, so a frame marker split across chunks is never dropped.

const capped = (text: string) => (text.length > OUTPUT_CAP_BYTES ? text.slice(text.length - OUTPUT_CAP_BYTES) : text);

interface Pending {
  token: string;
  resolve: (out: ScriptOutput) => void;
  reject: (error: Error) => void;
}

class RemoteShell {
  private readonly stdout = new TailBuffer(OUTPUT_CAP_BYTES + 4096);
  private readonly stderr = new TailBuffer(OUTPUT_CAP_BYTES + 4096);
  private pending: Pending | undefined;
  dead = false;

  constructor(
    private readonly channel: ClientChannel,
    readonly lease: Lease & { release: () => void },
    private readonly lost: (what: string) => Error,
  ) {
    channel.on("data", (d: Buffer) => {
      this.stdout.push(d);
      this.check();
    });
    channel.stderr.on("data", (d: Buffer) => {
      this.stderr.push(d);
      this.check();
    });
    const end = () => this.die();
    channel.on("close", end);
    channel.on("exit", end);
    channel.on("error", end);
    void lease.closed.then(end);
  }

  run(script: string): Promise<ScriptOutput> {
    const token = `__nightshift_${randomBytes(12).toString("hex")}`;
    this.stdout.clear();
    this.stderr.clear();
    return new Promise((resolve, reject) => {
      this.pending = { token, resolve, reject };
      // </dev/null: a command that reads stdin must never read the scripts that follow it.
      this.channel.write(`sh -c ${quote(script)} </dev/null; printf '\\n%s:%d\\n' ${token} "$?"; printf '\\n%s\\n' ${token} >&2\n`);
    });
  }

  private check(): void {
    const p = this.pending;
    if (!p) return;
    const out = this.stdout.text();
    const match = new RegExp(`\\n${p.token}:(\\d+)\\n$`).exec(out);
    const err = this.stderr.text();
    if (!match || !err.endsWith(`\n${p.token}\n`)) return;
    this.pending = undefined;
    p.resolve({
      exitCode: Number(match[1]),
      stdout: capped(out.slice(0, match.index)),
      stderr: capped(err.slice(0, err.length - p.token.length - 2)),
    });
  }

  die(): void {
    if (this.dead) return;
    this.dead = true;
    this.lease.release();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.lost("the connection was lost while a command ran"));
    try {
      this.channel.close();
    } catch {
      // already closed
    }
  }
}

export class ShellPool {
  private readonly idle: RemoteShell[] = [];
  private readonly all = new Set<RemoteShell>();
  private readonly waiters: Array<() => void> = [];
  private opening = 0;

  /** `maxShells` stays below the pool's channel slots so SFTP and kill commands always find one. */
  constructor(
    private readonly pool: SshConnectionPool,
    private readonly maxShells: number,
    /** Shown in the shells' command line, so `ps` tells whose they are. */
    private readonly tag: string,
  ) {}

  async run(script: string): Promise<ScriptOutput> {
    const shell = await this.take();
    try {
      return await shell.run(script);
    } finally {
      if (!shell.dead && shell.lease.alive()) this.idle.push(shell);
      else this.forget(shell);
      this.waiters.shift()?.();
    }
  }

  /** Ends every shell (the pool is closing or its connections were dropped). */
  closeAll(): void {
    for (const shell of [...this.all]) {
      shell.die();
      this.forget(shell);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  private forget(shell: RemoteShell): void {
    this.all.delete(shell);
    const i = this.idle.indexOf(shell);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private async take(): Promise<RemoteShell> {
    for (;;) {
      while (this.idle.length > 0) {
        const shell = this.idle.pop()!;
        if (!shell.dead && shell.lease.alive()) return shell;
        this.forget(shell);
      }
      if (this.all.size + this.opening < this.maxShells) break;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.opening += 1;
    try {
      return await this.open();
    } finally {
      this.opening -= 1;
    }
  }

  private async open(): Promise<RemoteShell> {
    const lease = await this.pool.reserve();
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        try {
          // The login shell runs once, then becomes a plain sh that reads scripts from stdin.
          lease.client.exec(`exec /bin/sh -s ${quote(this.tag)}`, (error, ch) => (error ? reject(error) : resolve(ch)));
        } catch (error) {
          reject(error as Error);
        }
      });
      const shell = new RemoteShell(channel, lease, (what) => this.pool.lost(what));
      this.all.add(shell);
      return shell;
    } catch (error) {
      lease.release();
      throw this.pool.lost(`opening a shell failed (${(error as Error).message})`, error);
    }
  }
}
