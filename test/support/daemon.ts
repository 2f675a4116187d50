// A daemon in the test process (server/daemon.ts) on a free loopback port, with its own store folder, and
// plain fetch helpers: every test talks to it over real HTTP, as a client would.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { checkDevice } from "../../cli/devices.ts";
import { startDaemon, type Daemon, type DaemonOptions } from "../../server/daemon.ts";
import { tempDir, waitFor } from "../../testbed/procs.ts";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const PNPOLY_DATA = join(ROOT, "data", "spaces", "pnpoly", "RTX_3090.json.gz");
export const REPLAY_DEVICE = "replay-RTX_3090";
/** The replay campaign of the tests: the T1 pnpoly space, relative to the spec root data/spaces. */
export const PNPOLY_SPEC = "t1/pnpoly.json";

export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  url: string;
  admin: string;
  read: string;
  /** fetch with the admin token unless `token` says otherwise (null: no header). */
  call(method: string, path: string, options?: { token?: string | null; json?: unknown; body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  json<T = any>(method: string, path: string, json?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startTestDaemon(options: Partial<DaemonOptions> = {}): Promise<TestDaemon> {
  const dir = options.dbPath ? resolve(options.dbPath, "..") : tempDir("nightshift-daemon-");
  const daemon = await startDaemon({
    host: "127.0.0.1",
    port: 0,
    allowRemote: false,
    dbPath: join(dir, "store.db"),
    devices: [`replay:${PNPOLY_DATA}`],
    specRoots: [join(ROOT, "data", "spaces")],
    maxRunning: 4,
    rateLimitPerMinute: 100_000,
    bodyLimitBytes: 256 * 1024,
    uploadLimitBytes: 1024 * 1024,
    shutdownGraceMs: 10_000,
    checkDevice,
    env: {},
    ...options,
  });
  const call: TestDaemon["call"] = (method, path, o = {}) => {
    const token = o.token === undefined ? daemon.tokens.admin : o.token;
    const headers: Record<string, string> = { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(o.json !== undefined ? { "content-type": "application/json" } : {}), ...o.headers };
    return fetch(`${daemon.url}${path}`, { method, headers, ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : o.body !== undefined ? { body: o.body } : {}) });
  };
  return {
    daemon,
    dir,
    url: daemon.url,
    admin: daemon.tokens.admin,
    read: daemon.tokens.read,
    call,
    async json(method, path, json) {
      const response = await call(method, path, json !== undefined ? { json } : {});
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
      return JSON.parse(text);
    },
    stop: () => daemon.stop(),
  };
}

/** Waits until the campaign's queue state is one of `states` (asking five times a second); returns its row. */
export async function waitForState(d: Pick<TestDaemon, "json">, id: string, states: string[], timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await d.json("GET", `/v1/campaigns/${id}`);
    if (states.includes(row.state)) return row;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for campaign ${id} to be ${states.join(" or ")} (last: ${row.state})`);
    await sleep(200);
  }
}

export interface DaemonProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const CLI = join(ROOT, "bin", "nightshift.js");

/** `nightshift serve` as its own process (so it can be killed), on a free port; resolves once it listens. */
export async function spawnDaemon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", "--rate-limit", "100000", ...args], {
    env: { ...process.env, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  await waitFor(() => ended || /listening on (http:\/\/\S+)/.test(out), 120_000, `the daemon to listen (stderr: ${err.slice(-500)})`);
  const match = /listening on (http:\/\/\S+)/.exec(out);
  if (!match) throw new Error(`the daemon exited before listening: ${err.slice(-2000)}`);
  return { child, url: match[1]!, exited, stdout: () => out, stderr: () => err };
}

/** fetch helpers for a daemon in another process, with the admin token of its tokens file. */
export function clientOf(url: string, tokensFile: string): Pick<TestDaemon, "json"> {
  const token = (JSON.parse(readFileSync(tokensFile, "utf8")) as { admin: string }).admin;
  return {
    async json(method, path, json) {
      const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { "content-type": "application/json" } : {}) }, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
      return JSON.parse(text);
    },
  };
}
