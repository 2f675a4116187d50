// The Executor for an SSH host: connect (pool), upload (content-addressed), run (process group under a
// time limit), collect (SFTP read), clean up (rm inside the work dir). Each step is a small function in
// runners/ssh/; this class only wires them to one host.

import { InfraFault } from "../core/infra-fault.ts";
import { log } from "../core/log.ts";
import type { SshReach } from "../hardware-profiles/schema.ts";
import type { ExecRequest, ExecResult, Executor } from "../harness/types.ts";
import { runScript, RemoteExec } from "./ssh/exec.ts";
import { readRemoteFile, remoteLayout, removeRemote, setupScript, stage, type RemoteLayout } from "./ssh/files.ts";
import { SshConnectionPool, type PoolOptions } from "./ssh/pool.ts";

export type SshExecutorReach = Pick<
  SshReach,
  "host" | "port" | "user" | "identityFile" | "passphraseEnv" | "hostKeySha256" | "knownHostsFile" | "connectTimeoutMs" | "workDir"
> & { env?: Record<string, string> };

export interface SshExecutorOptions {
  pool?: Partial<PoolOptions>;
}

export class SshExecutor implements Executor {
  readonly name: string;
  readonly layout: RemoteLayout;
  readonly pool: SshConnectionPool;
  private readonly remote: RemoteExec;
  private readonly env: Record<string, string>;
  /** Bytes sent by uploads so far (the object store makes repeats free). */
  uploadedBytes = 0;

  constructor(reach: SshExecutorReach, options: SshExecutorOptions = {}) {
    this.layout = remoteLayout(reach.workDir);
    this.env = reach.env ?? {};
    this.name = `ssh:${reach.user}@${reach.host}:${reach.port}`;
    this.pool = new SshConnectionPool(reach, {
      shellTag: `nightshift-shell ${this.layout.workDir}`,
      ...options.pool,
      // Every connection first makes sure the layout exists and kills what a lost connection left running.
      onConnect: async (client) => {
        await new Promise<void>((resolve, reject) => {
          client.exec(setupScript(this.layout), (error, channel) => {
            if (error) return reject(new InfraFault("CONNECTION_LOST", `${this.name}: preparing ${this.layout.workDir} failed (${error.message})`, { retryable: true }));
            channel.resume();
            channel.stderr.resume();
            channel.on("exit", (code: number | null) => {
              if (code !== 0) reject(new InfraFault("REMOTE_IO", `${this.name}: expected to create ${this.layout.workDir}, received exit code ${code}`, { retryable: false }));
            });
            channel.on("close", () => resolve());
          });
        });
        await this.remote.reapOrphans(client);
      },
    });
    this.remote = new RemoteExec(this.pool, this.layout.control);
  }

  async stage(label: string, files: Record<string, string | Buffer>): Promise<string> {
    const outcome = await stage(this.pool, this.layout, label, files);
    this.uploadedBytes += outcome.uploadedBytes;
    log.debug({ device: this.name, dir: outcome.dir, uploadedBytes: outcome.uploadedBytes }, "staged");
    return outcome.dir;
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    return this.remote.exec({ ...request, env: { ...this.env, ...request.env } });
  }

  readFile(path: string): Promise<Buffer> {
    return readRemoteFile(this.pool, path);
  }

  remove(path: string): Promise<void> {
    return removeRemote(this.pool, this.layout, path);
  }

  /** One round trip that proves the host answers (used by probes and `devices check`). */
  async ping(): Promise<number> {
    const started = performance.now();
    const out = await runScript(this.pool, "true", 10_000);
    if (out.exitCode !== 0) throw new InfraFault("REMOTE_IO", `${this.name}: expected "true" to exit 0, received ${out.exitCode}`, { retryable: true });
    return performance.now() - started;
  }

  /** The lane's health probe: a connection and one command. */
  async probe(): Promise<void> {
    await this.ping();
  }

  /** Kills every command this executor started (campaign stop). */
  cancelAll(): Promise<void> {
    return this.remote.killAll();
  }

  /** Runs a read-only query script (tool versions etc.) and returns its output. */
  query(script: string, timeoutMs = 20_000) {
    return runScript(this.pool, script, timeoutMs);
  }

  /** Kills everything still running remotely, then closes the connections. */
  async close(): Promise<void> {
    await this.remote.killAll().catch(() => {});
    await this.pool.close();
  }

  /** Forgets the connections (after a fault) so the next use reconnects and reaps leftovers. */
  reset(): void {
    this.pool.dropAll();
  }
}
