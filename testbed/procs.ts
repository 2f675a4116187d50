// Process helpers for the fixtures and the "nothing left running" checks (Linux /proc only).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

let root: string | undefined;

/** A fresh temporary directory under one per-process root that is removed when the process exits. */
export function tempDir(prefix: string): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), `nightshift-test-${process.pid}-`));
    root = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return mkdtempSync(join(root, prefix));
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name sits in parentheses and may contain spaces; fields after it are fixed.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] === "Z") continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      out.push({ pid: Number(name), ppid: Number(rest[1]), pgid: Number(rest[2]), cmdline });
    } catch {
      // The process ended while we were reading it.
    }
  }
  return out;
}

/** Processes whose command line contains `marker` (never this test process itself). */
export function processesMatching(marker: string): ProcInfo[] {
  return listProcesses().filter((p) => p.pid !== process.pid && p.cmdline.includes(marker));
}

/**
 * The monitors of variants' timed runs started from under `marker` (the monitor starts the variant's worker
 * at once, in the sandbox, where its own command line names only /work). Sanitizer runs are left out.
 */
export function timedRunsUnder(marker: string): ProcInfo[] {
  return processesMatching(marker).filter((p) => /\/monitor \d+ /.test(p.cmdline) && !p.cmdline.includes("--sanitize"));
}

export function descendants(root: number): ProcInfo[] {
  const all = listProcesses();
  const found: ProcInfo[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const p of all) if (p.ppid === parent) { found.push(p); frontier.push(p.pid); }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
