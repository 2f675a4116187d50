// The daemon killed with SIGKILL while three campaigns run (this machine, a replay of recorded data, a host
// over a real sshd on loopback), then started again: it resumes all three, and each spends exactly its
// budget with nothing measured twice. And SIGTERM: campaigns stop after their current step, nothing keeps
// running on the devices, and the next start finishes them.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../results/store.ts";
import { JobStore, jobsPath } from "../server/jobs.ts";
import { processesMatching, tempDir } from "../testbed/procs.ts";
import { sshProfile, writeProfile } from "../testbed/remote-device.ts";
import { haveSshd, sshdSkipReason } from "../testbed/sshd.ts";
import { clientOf, PNPOLY_DATA, ROOT, spawnDaemon, waitForState, type DaemonProcess } from "./support/daemon.ts";
import { sshdPerTest } from "./support/sshd-per-test.ts";

const LOCAL_PROFILE = join(ROOT, "test", "fixtures", "test-local-profile.json");
const { sshd } = sshdPerTest();
const daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const p of daemons.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
});

async function serve(dir: string, devices: string[]): Promise<DaemonProcess & ReturnType<typeof clientOf>> {
  const args = ["--db", join(dir, "store.db"), "--devices", ...devices, "--spec-root", join(ROOT, "test", "fixtures"), join(ROOT, "data", "spaces"), "--max-running", "3"];
  const p = await spawnDaemon(args);
  daemons.push(p);
  return { ...p, ...clientOf(p.url, join(dir, "store.tokens.json")) };
}

/** Per campaign: counted explore evaluations (hashes) and the largest evaluation id. */
function stored(dir: string, ids: string[]): Map<string, { hashes: string[]; lastId: number }> {
  const store = openStore(join(dir, "store.db"), { mustExist: true });
  try {
    return new Map(
      ids.map((id) => {
        const all = store.evaluations(id);
        const hashes = all.filter((e) => e.purpose === "explore" && e.status !== "infra_error").map((e) => e.variantHash);
        return [id, { hashes, lastId: Math.max(0, ...all.map((e) => e.id)) }];
      }),
    );
  } finally {
    store.close();
  }
}

describe.skipIf(!haveSshd)(`the daemon killed and restarted${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  it("resumes a local, a replay and an SSH campaign after SIGKILL; each spends exactly its budget, nothing measured twice", async () => {
    const dir = tempDir("nightshift-daemon-kill-");
    const host = await sshd();
    const sshFile = writeProfile(sshProfile(host, "ssh-test"));
    const devices = [LOCAL_PROFILE, `replay:${PNPOLY_DATA}`, sshFile];
    const budgets = { local: 4, replay: 600, ssh: 4 };
    const first = await serve(dir, devices);
    const real = { spec: { path: "fast-kernel" }, batch: 2 };
    const local = await first.json("POST", "/v1/campaigns", { ...real, devices: ["test-local"], budget: budgets.local });
    const ssh = await first.json("POST", "/v1/campaigns", { ...real, devices: ["ssh-test"], budget: budgets.ssh });
    const replay = await first.json("POST", "/v1/campaigns", { spec: { path: "t1/pnpoly.json" }, devices: ["replay-RTX_3090"], budget: budgets.replay, batch: 1 });
    const ids = [local.id, replay.id, ssh.id];

    // Killed while all three are under way: each has committed something, none has finished.
    let before = stored(dir, ids);
    while (![...before.values()].every((s) => s.hashes.length >= 1)) {
      await sleep(100);
      before = stored(dir, ids);
      const rows = await Promise.all(ids.map((id) => first.json("GET", `/v1/campaigns/${id}`)));
      for (const r of rows) expect(["queued", "running"], `${r.id}: ${r.reason}`).toContain(r.state);
    }
    first.child.kill("SIGKILL");
    await first.exited;
    before = stored(dir, ids);
    expect(before.get(replay.id)!.hashes.length).toBeLessThan(budgets.replay);

    const second = await serve(dir, devices);
    expect(second.stdout()).toMatch(/resumed 3 campaigns/);
    for (const id of ids) await waitForState(second, id, ["finished", "failed"], 900_000);
    const after = stored(dir, ids);
    for (const [id, budget] of [[local.id, budgets.local], [replay.id, budgets.replay], [ssh.id, budgets.ssh]] as const) {
      const row = await second.json("GET", `/v1/campaigns/${id}`);
      expect(row.state, second.stderr().slice(-2000)).toBe("finished");
      const { hashes } = after.get(id)!;
      expect(hashes, `campaign ${id}`).toHaveLength(budget);
      expect(new Set(hashes).size, `campaign ${id} measured a variant twice`).toBe(budget);
      // Everything committed before the kill is still there, in the same order.
      expect(hashes.slice(0, before.get(id)!.hashes.length)).toEqual(before.get(id)!.hashes);
    }
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 1_500_000);

  it("on SIGTERM stops campaigns after their current step, leaves nothing running remotely, and finishes them on the next start", async () => {
    const dir = tempDir("nightshift-daemon-term-");
    const host = await sshd();
    const sshFile = writeProfile(sshProfile(host, "ssh-test"));
    const first = await serve(dir, [sshFile]);
    const { id } = await first.json("POST", "/v1/campaigns", { spec: { path: "fast-kernel" }, devices: ["ssh-test"], budget: 4, batch: 2 });
    while (stored(dir, [id]).get(id)!.hashes.length < 1) {
      const row = await first.json("GET", `/v1/campaigns/${id}`);
      expect(["queued", "running"], `${row.state}: ${row.reason}`).toContain(row.state);
      await sleep(100);
    }
    first.child.kill("SIGTERM");
    expect(await first.exited, first.stderr().slice(-2000)).toBe(0);
    expect(first.stderr()).toMatch(/daemon stopped/);
    // Nothing of the campaign runs on the host any more: no session, no variant or compiler in its work dir.
    expect(host.sessionPids()).toEqual([]);
    expect(processesMatching(host.workDir)).toEqual([]);
    const jobs = new JobStore(jobsPath(join(dir, "store.db")));
    try {
      expect(jobs.get(id)?.state).toBe("running");
    } finally {
      jobs.close();
    }
    const committed = stored(dir, [id]).get(id)!.hashes;

    const second = await serve(dir, [sshFile]);
    await waitForState(second, id, ["finished", "failed"], 900_000);
    const { hashes } = stored(dir, [id]).get(id)!;
    expect(hashes).toHaveLength(4);
    expect(new Set(hashes).size).toBe(4);
    expect(hashes.slice(0, committed.length)).toEqual(committed);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 1_200_000);
});
