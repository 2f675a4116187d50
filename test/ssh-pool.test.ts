import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SshExecutor } from "../runners/ssh-executor.ts";
import { freePort } from "../testbed/procs.ts";
import { haveSshd, sshdSkipReason, startSshd, type SshdFixture } from "../testbed/sshd.ts";
import { startProxy, type TcpProxy } from "./support/tcp-proxy.ts";

describe.skipIf(!haveSshd)(`SSH connection pool against a real sshd${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  let sshd: SshdFixture;
  let proxy: TcpProxy;
  beforeAll(async () => {
    sshd = await startSshd();
    proxy = await startProxy(sshd.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
  });

  const reach = (port: number) => ({
    host: sshd.host,
    port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    hostKeySha256: sshd.hostKeySha256,
    connectTimeoutMs: 2_000,
    workDir: sshd.workDir,
  });

  it("runs many commands and transfers over one reused connection", async () => {
    const before = proxy.connections;
    const executor = new SshExecutor(reach(proxy.port), { pool: { maxConnections: 1 } });
    const dir = await executor.stage("reuse", { "f.txt": "x" });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => executor.exec({ argv: ["echo", String(i)], cwd: dir, timeoutMs: 10_000 })));
    expect(results.map((r) => (r.kind === "exited" ? r.stdout.trim() : r.cause))).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect((await executor.readFile(`${dir}/f.txt`)).toString()).toBe("x");
    await executor.close();
    expect(proxy.connections - before).toBe(1);
  });

  it("notices a connection that went silent through keepalives, reports the command as infra, and reconnects", async () => {
    const executor = new SshExecutor(reach(proxy.port), { pool: { keepaliveIntervalMs: 200, keepaliveCountMax: 2, connectAttempts: 1 } });
    const dir = await executor.stage("silent", { "f.txt": "x" });
    const before = proxy.connections;
    proxy.freeze(true);
    // The command would take 30 s and is allowed 60 s: only the keepalives can end it as infra.
    const lost = await executor.exec({ argv: ["sleep", "30"], cwd: dir, timeoutMs: 60_000 });
    proxy.freeze(false);
    expect(lost).toMatchObject({ kind: "infra", retryable: true });
    const again = await executor.exec({ argv: ["echo", "back"], cwd: dir, timeoutMs: 10_000 });
    expect(again).toMatchObject({ kind: "exited", exitCode: 0, stdout: "back\n" });
    expect(proxy.connections).toBeGreaterThan(before);
    await executor.close();
  });

  it("backs off between connection attempts to a host that refuses them", async () => {
    const executor = new SshExecutor(reach(await freePort()), { pool: { connectAttempts: 3, backoffInitialMs: 200, backoffMaxMs: 1_000 } });
    const started = Date.now();
    const result = await executor.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 });
    const elapsed = Date.now() - started;
    await executor.close();
    expect(result).toMatchObject({ kind: "infra", retryable: true });
    expect(result.kind === "infra" && result.cause).toMatch(/ECONNREFUSED/);
    // Two waits between three attempts: 200 ms, then 400 ms.
    expect(elapsed).toBeGreaterThanOrEqual(600);
  });
});

describe.skipIf(!haveSshd)("SSH timeouts when every shell is busy", () => {
  it("still kills each timed-out command at its own limit", async () => {
    const sshd = await startSshd();
    const executor = new SshExecutor(
      { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, hostKeySha256: sshd.hostKeySha256, connectTimeoutMs: 2_000, workDir: sshd.workDir },
      { pool: { maxConnections: 1, channelsPerConnection: 4 } },
    );
    try {
      const dir = await executor.stage("busy", { x: "" });
      // Two shells at most (4 slots - 2): both hang, and the kills must not wait for a shell.
      const results = await Promise.all([0, 1].map(() => executor.exec({ argv: ["sleep", "60"], cwd: dir, timeoutMs: 800 })));
      expect(results.map((r) => r.kind === "exited" && r.timedOut)).toEqual([true, true]);
    } finally {
      await executor.close();
      await sshd.stop();
    }
  });
});
