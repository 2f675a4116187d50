// Finding what a test left running, from the host's /proc.

import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Live processes (zombies excluded: they have run their course) whose command line contains token. */
export function processesMentioning(token: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(token) && !isZombie(Number(pid))) found.push(`${pid}: ${cmdline}`);
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

/** True when the process no longer exists or is only waiting to be reaped. */
export function isGone(pid: number): boolean {
  try {
    return isZombie(pid);
  } catch {
    return true;
  }
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** Polls until check() holds or maxMs passes; returns the last result of check(). */
export async function eventually(check: () => boolean, maxMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
