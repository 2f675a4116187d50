import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { SshExecutor, type SshExecutorReach } from "../runners/ssh-executor.ts";
import { processesMatching, waitFor } from "../testbed/procs.ts";
import { haveSshd, sshdSkipReason, startSshd, type SshdFixture } from "../testbed/sshd.ts";
import { captureLog } from "./support/capture-log.ts";

function reachOf(sshd: SshdFixture, extra: Partial<SshExecutorReach> = {}): SshExecutorReach {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    hostKeySha256: sshd.hostKeySha256,
    connectTimeoutMs: 5_000,
    workDir: sshd.workDir,
    ...extra,
  };
}

describe.skipIf(!haveSshd)(`SshExecutor against a real sshd${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  let sshd: SshdFixture;
  let executor: SshExecutor;

  beforeAll(async () => {
    sshd = await startSshd();
    executor = new SshExecutor(reachOf(sshd));
  });
  afterAll(async () => {
    await executor?.close();
    await sshd?.stop();
  });

  it("stages a C file, compiles it with gcc remotely, runs it and reads its output file back", async () => {
    const dir = await executor.stage("hello", {
      "main.c": '#include <stdio.h>\nint main(void){FILE*f=fopen("out.txt","w");fprintf(f,"%d",6*7);fclose(f);return 3;}\n',
    });
    expect(dir.startsWith(`${sshd.workDir}/stage/hello-`)).toBe(true);
    const build = await executor.exec({ argv: ["gcc", "-O2", "-o", "main", "main.c"], cwd: dir, timeoutMs: 60_000 });
    expect(build).toMatchObject({ kind: "exited", exitCode: 0, timedOut: false });
    const run = await executor.exec({ argv: ["./main"], cwd: dir, timeoutMs: 10_000 });
    expect(run).toMatchObject({ kind: "exited", exitCode: 3, signal: null, timedOut: false });
    expect((await executor.readFile(`${dir}/out.txt`)).toString()).toBe("42");
  });

  it("uploads identical content once: a second stage of the same files sends no bytes but gets a fresh dir", async () => {
    const files = { "a.txt": "same content " + Date.now(), "sub/b.txt": Buffer.from([0, 1, 2, 255]) };
    const before = executor.uploadedBytes;
    const first = await executor.stage("v1", files);
    const afterFirst = executor.uploadedBytes;
    const second = await executor.stage("v1", files);
    expect(afterFirst).toBeGreaterThan(before);
    expect(executor.uploadedBytes).toBe(afterFirst);
    expect(second).not.toBe(first);
    expect([...(await executor.readFile(`${second}/sub/b.txt`))]).toEqual([0, 1, 2, 255]);
  });

  it("kills the whole remote process group when a command exceeds its time limit", async () => {
    const marker = `nightshift-hang-${process.pid}-${Date.now()}`;
    const dir = await executor.stage("hang", { "hang.sh": `sleep 300 &\n( sleep 300 ) &\nexec sleep 301 # ${marker}\n` });
    const result = await executor.exec({ argv: ["sh", "hang.sh", marker], cwd: dir, timeoutMs: 1_000 });
    expect(result).toMatchObject({ kind: "exited", timedOut: true, signal: "SIGKILL", exitCode: null });
    await waitFor(() => processesMatching(marker).length === 0 && processesMatching(`${dir}`).length === 0, 5_000, "the hung group to disappear");
    // The children that did not carry the marker were in the same group: no sleep 300 under this dir remains.
    expect(processesMatching("sleep 300").filter((p) => p.cmdline.includes(marker))).toEqual([]);
  });

  it("kills what a command left running in its group when the command itself exits", async () => {
    const marker = `nightshift-leftover-${process.pid}-${Date.now()}`;
    const dir = await executor.stage("leftover", { "bg.sh": `sleep 300 &\necho started # ${marker}\n` });
    const result = await executor.exec({ argv: ["sh", "-c", `sleep 301 & exec sh bg.sh ${marker}`], cwd: dir, timeoutMs: 20_000 });
    expect(result).toMatchObject({ kind: "exited", exitCode: 0, stdout: "started\n", timedOut: false });
    await waitFor(() => processesMatching(dir).length === 0 && processesMatching("sleep 301").length === 0, 5_000, "the leftover sleeps to be killed");
  });

  it("passes arbitrary strings through the remote shell unchanged, so values cannot inject commands", async () => {
    const dir = await executor.stage("quote", { "keep.txt": "x" });
    const nasty = [
      "$(touch pwned1)",
      "`touch pwned2`",
      "'; touch pwned3; echo '",
      '"; touch pwned4; "',
      "a b\tc\nd",
      "&& touch pwned5 || true",
      "$HOME ${PATH} \\ \\' \\\"",
      "-n",
      "*",
      "",
      "ünïcödé ✓",
    ];
    for (const value of nasty) {
      const result = await executor.exec({ argv: ["printf", "%s", value], cwd: dir, timeoutMs: 10_000, env: { NASTY: value } });
      expect(result).toMatchObject({ kind: "exited", exitCode: 0, stdout: value });
      const viaEnv = await executor.exec({ argv: ["sh", "-c", 'printf %s "$NASTY"'], cwd: dir, timeoutMs: 10_000, env: { NASTY: value } });
      expect(viaEnv).toMatchObject({ kind: "exited", exitCode: 0, stdout: value });
    }
    const cwdAttack = await executor.exec({ argv: ["true"], cwd: `${dir}; touch pwned6`, timeoutMs: 10_000 });
    expect(cwdAttack).toMatchObject({ kind: "exited", exitCode: 125 });
    for (let i = 1; i <= 6; i++) expect(existsSync(`${dir}/pwned${i}`)).toBe(false);
    for (let i = 1; i <= 6; i++) expect(existsSync(`${sshd.workDir}/control/pwned${i}`)).toBe(false);
  });

  it("leaves no persistent shell or command of its own running on the host after close", async () => {
    const own = new SshExecutor(reachOf(sshd, { workDir: `${sshd.workDir}-closing` }));
    const dir = await own.stage("c", { x: "" });
    await Promise.all([1, 2, 3].map(() => own.exec({ argv: ["true"], cwd: dir, timeoutMs: 10_000 })));
    expect(processesMatching(`nightshift-shell ${sshd.workDir}-closing`).length).toBeGreaterThan(0);
    await own.close();
    await waitFor(() => processesMatching(`${sshd.workDir}-closing`).length === 0, 5_000, "the executor's shells to exit");
  });

  it("rejects a missing result file with ENOENT and refuses to remove paths outside the work dir", async () => {
    const dir = await executor.stage("io", { "x": "1" });
    await expect(executor.readFile(`${dir}/absent.json`)).rejects.toMatchObject({ code: "ENOENT" });
    await executor.remove(dir);
    await expect(executor.readFile(`${dir}/x`)).rejects.toMatchObject({ code: "ENOENT" });
    const outside = await executor.remove("/etc/passwd").then(() => null, (e: unknown) => e);
    expect(isNightshiftError(outside) && outside.code === "INTERNAL" && /expected a path inside/.test(outside.message)).toBe(true);
    expect(existsSync("/etc/passwd")).toBe(true);
  });

  it("refuses a host whose key does not match the profile's fingerprint, naming both fingerprints", async () => {
    const wrong = new SshExecutor(reachOf(sshd, { hostKeySha256: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }), { pool: { connectAttempts: 1 } });
    const result = await wrong.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 });
    await wrong.close();
    expect(result.kind).toBe("infra");
    if (result.kind !== "infra") return;
    expect(result.retryable).toBe(false);
    expect(result.cause).toContain("HOST_KEY_MISMATCH");
    expect(result.cause).toContain("expected SHA256:AAAA");
    expect(result.cause).toContain(`received ${sshd.hostKeySha256}`);
  });

  it("accepts a host listed in a known_hosts file and refuses one that is missing from it", async () => {
    const known = new SshExecutor(reachOf(sshd, { hostKeySha256: undefined, knownHostsFile: sshd.knownHostsFile }));
    expect(await known.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 })).toMatchObject({ kind: "exited", exitCode: 0 });
    await known.close();
    const otherPort = new SshExecutor(
      reachOf(sshd, { hostKeySha256: undefined, knownHostsFile: `${sshd.dir}/authorized_keys` }),
      { pool: { connectAttempts: 1 } },
    );
    const refused = await otherPort.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 });
    await otherPort.close();
    expect(refused).toMatchObject({ kind: "infra", retryable: false });
    expect(refused.kind === "infra" && /HOST_KEY_MISMATCH: .*expected an entry for \[127\.0\.0\.1\]:\d+/.test(refused.cause)).toBe(true);
  });

  it("accepts a host found in a hashed known_hosts file (ssh-keygen -H)", async () => {
    const hashed = `${sshd.dir}/known_hosts_hashed`;
    copyFileSync(sshd.knownHostsFile, hashed);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", hashed], { stdio: "ignore" });
    expect(readFileSync(hashed, "utf8").startsWith("|1|")).toBe(true);
    const known = new SshExecutor(reachOf(sshd, { hostKeySha256: undefined, knownHostsFile: hashed }));
    expect(await known.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 })).toMatchObject({ kind: "exited", exitCode: 0 });
    await known.close();
  });

  it("reports a host that accepts TCP but never speaks as unreachable after the connect timeout", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    const mute = new SshExecutor(reachOf(sshd, { port, connectTimeoutMs: 700 }), { pool: { connectAttempts: 2, backoffInitialMs: 50 } });
    const result = await mute.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 });
    await mute.close();
    for (const s of sockets) s.destroy();
    silent.close();
    expect(result).toMatchObject({ kind: "infra", retryable: true });
    expect(result.kind === "infra" && result.cause.includes("expected an SSH handshake within 700 ms")).toBe(true);
  });
});

describe.skipIf(!haveSshd)("SSH credentials stay out of logs", () => {
  it("never writes the key's passphrase or key material to the log, even at debug level with failures", async () => {
    const passphrase = `pass-${Math.random().toString(36).slice(2)}-phrase`;
    const sshd = await startSshd({ passphrase });
    process.env.NIGHTSHIFT_TEST_PASSPHRASE = passphrase;
    const keyBody = readFileSync(sshd.identityFile, "utf8").split("\n").filter((l) => l && !l.startsWith("-----"))[1] ?? "absent";
    const capture = captureLog();
    try {
      const good = new SshExecutor({ ...reachOf(sshd), passphraseEnv: "NIGHTSHIFT_TEST_PASSPHRASE" });
      expect(await good.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 })).toMatchObject({ kind: "exited", exitCode: 0 });
      await good.close();
      const refused = new SshExecutor({ ...reachOf(sshd), passphraseEnv: "NIGHTSHIFT_TEST_PASSPHRASE", hostKeySha256: "SHA256:BBBB" }, { pool: { connectAttempts: 1 } });
      await refused.exec({ argv: ["true"], cwd: "/", timeoutMs: 5_000 });
      await refused.close();
      process.env.NIGHTSHIFT_TEST_PASSPHRASE = "wrong-passphrase-value";
      let configError: unknown;
      try {
        new SshExecutor({ ...reachOf(sshd), passphraseEnv: "NIGHTSHIFT_TEST_PASSPHRASE" });
      } catch (error) {
        configError = error;
      }
      expect(isNightshiftError(configError) && configError.code === "PROFILE_INVALID").toBe(true);
      expect(String((configError as Error).message)).not.toContain("wrong-passphrase-value");
    } finally {
      capture.restore();
      delete process.env.NIGHTSHIFT_TEST_PASSPHRASE;
      await sshd.stop().catch(() => {});
    }
    const text = capture.lines.join("");
    expect(capture.lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(passphrase);
    expect(text).not.toContain("wrong-passphrase-value");
    expect(text).not.toContain(keyBody);
  });
});
