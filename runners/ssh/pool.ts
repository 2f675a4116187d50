// A small pool of SSH connections to one host: channels are multiplexed over a few connections,
// dead connections (keepalive, reset) are dropped, and new ones are opened with exponential backoff.

import type { Client, SFTPWrapper } from "ssh2";
import { InfraFault, isInfraFault } from "../../core/infra-fault.ts";
import { log } from "../../core/log.ts";
import { connectOnce, loadCredentials, type Credentials, type SshTarget } from "./connect.ts";
import { ShellPool } from "./shell.ts";

export interface PoolOptions {
  maxConnections: number;
  /** Below sshd's MaxSessions (10 by default), one slot of which an SFTP session holds. */
  channelsPerConnection: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Connection attempts per acquisition, the first delay between them, and the cap. */
  connectAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Runs on every new connection before it is used (e.g. reaping what a lost connection left behind). */
  onConnect?: (client: Client) => Promise<void>;
  /** Names this pool's persistent shells in the host's process list. */
  shellTag?: string;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  maxConnections: 2,
  channelsPerConnection: 8,
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
  connectAttempts: 3,
  backoffInitialMs: 250,
  backoffMaxMs: 8_000,
};

interface Connection {
  readonly id: number;
  readonly client: Client;
  channels: number;
  alive: boolean;
  /** Resolves when the connection is dropped, so waits on it can give up. */
  readonly closed: Promise<void>;
  markClosed: () => void;
  sftp?: Promise<{ sftp: SFTPWrapper; closed: Promise<void> }>;
}

export interface Lease {
  readonly client: Client;
  readonly connectionId: number;
  /** True while the connection this lease runs on is up. */
  alive(): boolean;
  /**
   * Resolves when the connection (or, for SFTP, the session) goes away. ssh2 can leave a callback of a
   * request that was still waiting for window space unanswered forever; racing against this ends it.
   */
  readonly closed: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SshConnectionPool {
  readonly target: SshTarget;
  private readonly options: PoolOptions;
  private readonly credentials: Credentials;
  private readonly connections: Connection[] = [];
  private readonly waiters: Array<() => void> = [];
  private connecting: Promise<Connection> | undefined;
  private nextId = 1;
  private closed = false;
  /** Consecutive failed connection attempts, across acquisitions: the backoff keeps growing while a host stays down. */
  private failures = 0;
  /** Persistent shells on these connections (see shell.ts). */
  readonly shells: ShellPool;

  constructor(target: SshTarget, options: Partial<PoolOptions> = {}) {
    this.target = target;
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.credentials = loadCredentials(target);
    // Two slots per connection stay free of shells: one for SFTP, one for a kill sent while all shells are busy.
    this.shells = new ShellPool(this, this.options.maxConnections * Math.max(1, this.options.channelsPerConnection - 2), this.options.shellTag ?? "nightshift-shell");
  }

  get where(): string {
    return `${this.target.user}@${this.target.host}:${this.target.port}`;
  }

  /** Runs `fn` holding one channel slot. */
  async use<T>(fn: (lease: Lease) => Promise<T>): Promise<T> {
    const connection = await this.acquire(1);
    try {
      return await fn({ client: connection.client, connectionId: connection.id, alive: () => connection.alive, closed: connection.closed });
    } finally {
      this.release(connection, 1);
    }
  }

  /** Holds one channel slot until `release` is called (for long-lived channels such as persistent shells). */
  async reserve(): Promise<Lease & { release: () => void }> {
    const connection = await this.acquire(1);
    let released = false;
    return {
      client: connection.client,
      connectionId: connection.id,
      alive: () => connection.alive,
      closed: connection.closed,
      release: () => {
        if (released) return;
        released = true;
        this.release(connection, 1);
      },
    };
  }

  /** Runs `fn` with the connection's SFTP session (opened once per connection, holding one slot for its life). */
  async useSftp<T>(fn: (sftp: SFTPWrapper, lease: Lease) => Promise<T>): Promise<T> {
    const connection = await this.acquire(0);
    try {
      if (!connection.sftp) {
        connection.channels += 1;
        const session = new Promise<{ sftp: SFTPWrapper; closed: Promise<void> }>((resolve, reject) => {
          connection.client.sftp((error, sftp) => {
            if (error) return reject(this.lost(`opening SFTP failed (${error.message})`, error));
            const closed = new Promise<void>((done) => {
              const end = () => {
                if (connection.sftp === session) {
                  connection.sftp = undefined;
                  connection.channels -= 1;
                }
                done();
              };
              sftp.once("close", end);
              sftp.on("error", end);
            });
            resolve({ sftp, closed: Promise.race([closed, connection.closed]) });
          });
        });
        connection.sftp = session;
        session.catch(() => {
          if (connection.sftp === session) {
            connection.sftp = undefined;
            connection.channels -= 1;
          }
        });
      }
      const { sftp, closed } = await connection.sftp;
      return await fn(sftp, { client: connection.client, connectionId: connection.id, alive: () => connection.alive, closed });
    } finally {
      this.release(connection, 0);
    }
  }

  /** Forgets every connection (after a fault that the connections may not have noticed yet). */
  dropAll(): void {
    this.shells.closeAll();
    for (const c of [...this.connections]) this.drop(c);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dropAll();
    for (const wake of this.waiters.splice(0)) wake();
  }

  lost(what: string, cause?: unknown): InfraFault {
    return new InfraFault("CONNECTION_LOST", `ssh ${this.where}: ${what}`, { retryable: true, cause });
  }

  private async acquire(slots: number): Promise<Connection> {
    for (;;) {
      if (this.closed) throw new InfraFault("CONNECTION_LOST", `ssh ${this.where}: the connection pool is closed`, { retryable: true });
      const free = this.connections.find((c) => c.alive && c.channels + slots <= this.options.channelsPerConnection);
      if (free) {
        free.channels += slots;
        return free;
      }
      if (this.connections.length < this.options.maxConnections || (slots === 0 && this.connections.length === 0)) {
        if (!this.connecting) {
          this.connecting = this.openWithBackoff().finally(() => {
            this.connecting = undefined;
          });
        }
        await this.connecting;
        continue;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(connection: Connection, slots: number): void {
    connection.channels -= slots;
    this.waiters.shift()?.();
  }

  private async openWithBackoff(): Promise<Connection> {
    let lastFault: InfraFault | undefined;
    for (let attempt = 0; attempt < this.options.connectAttempts && !this.closed; attempt++) {
      if (this.failures > 0) {
        await sleep(Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** (this.failures - 1)));
      }
      try {
        const client = await connectOnce(this.target, this.credentials, this.options);
        this.failures = 0;
        const connection = this.adopt(client);
        if (this.options.onConnect) await this.options.onConnect(client);
        return connection;
      } catch (error) {
        if (!isInfraFault(error)) throw error;
        this.failures += 1;
        lastFault = error;
        log.warn({ device: this.where, attempt: attempt + 1, cause: error.message }, "ssh connect failed");
        if (!error.retryable) throw error;
      }
    }
    throw lastFault ?? new InfraFault("CONNECTION_LOST", `ssh ${this.where}: the connection pool is closed`, { retryable: true });
  }

  private adopt(client: Client): Connection {
    let markClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const connection: Connection = { id: this.nextId++, client, channels: 0, alive: true, closed, markClosed };
    const onDown = (reason: string) => {
      if (!connection.alive) return;
      log.warn({ device: this.where, connection: connection.id, reason }, "ssh connection lost");
      this.drop(connection);
    };
    client.on("error", (error: Error) => onDown(error.message));
    client.on("close", () => onDown("closed"));
    client.on("end", () => onDown("ended"));
    this.connections.push(connection);
    return connection;
  }

  private drop(connection: Connection): void {
    connection.alive = false;
    connection.markClosed();
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
    try {
      connection.client.destroy();
    } catch {
      // already closed
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
