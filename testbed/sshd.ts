// A real OpenSSH server on 127.0.0.1 for tests: its own temp dir, free port, host key and client key.
// Started in the foreground (-D) so the fixture owns the process and can kill and restart it.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { descendants, freePort, waitFor } from "./procs.ts";

export const SSHD = "/usr/sbin/sshd";
export const haveSshd = existsSync(SSHD) && existsSync("/usr/bin/ssh-keygen");
export const sshdSkipReason = haveSshd ? "" : `OpenSSH server not installed (expected ${SSHD} and ssh-keygen; .ci/run installs openssh-server)`;

export interface SshdOptions {
  /** Passphrase for the generated client key. */
  passphrase?: string;
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

export interface SshdFixture {
  dir: string;
  host: string;
  port: number;
  user: string;
  identityFile: string;
  /** As ssh-keygen -lf prints it: "SHA256:..." */
  hostKeySha256: string;
  knownHostsFile: string;
  /** A remote work dir unique to this fixture. */
  workDir: string;
  /** Per-connection sshd children serving sessions now. */
  sessionPids(): number[];
  /** Kills the listener and every session (like a host going down). */
  kill(): Promise<void>;
  /** Starts sshd again on the same port with the same host key. */
  start(): Promise<void>;
  /** Replaces the host key (the next connection sees a changed key). */
  rotateHostKey(): void;
  stop(): Promise<void>;
}

function keygen(path: string, passphrase = ""): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "nightshift-test", "-f", path], { stdio: "ignore" });
}

function fingerprint(publicKeyPath: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", publicKeyPath], { encoding: "utf8" });
  const match = /(SHA256:[A-Za-z0-9+/]+)/.exec(out);
  if (!match) throw new Error(`ssh-keygen -lf printed no SHA256 fingerprint: ${out}`);
  return match[1]!;
}

async function acceptsBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("SSH-")));
    socket.once("error", () => done(false));
  });
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-sshd-"));
  chmodSync(dir, 0o700);
  const hostKey = join(dir, "host_ed25519_key");
  const clientKey = join(dir, "client_ed25519_key");
  keygen(hostKey);
  keygen(clientKey, options.passphrase ?? "");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "MaxSessions 32",
      "MaxStartups 64",
      "Subsystem sftp internal-sftp",
      ...(options.extraConfig ?? []),
      "",
    ].join("\n"),
  );
  // Root's sshd insists on its privilege-separation directory.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  execFileSync(SSHD, ["-t", "-f", config]);

  let child: ChildProcess | undefined;
  const knownHostsFile = join(dir, "known_hosts");
  const writeKnownHosts = () => writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
  writeKnownHosts();

  const fixture: SshdFixture = {
    dir,
    host: "127.0.0.1",
    port,
    user: userInfo().username,
    identityFile: clientKey,
    hostKeySha256: fingerprint(`${hostKey}.pub`),
    knownHostsFile,
    workDir: join(dir, "remote"),
    sessionPids: () => (child?.pid ? descendants(child.pid).filter((p) => p.cmdline.startsWith("sshd")).map((p) => p.pid) : []),
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      const proc = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      proc.stderr!.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      child = proc;
      try {
        await waitFor(() => proc.exitCode === null && acceptsBanner(port), 10_000, `sshd on 127.0.0.1:${port}`);
      } catch (error) {
        throw new Error(`${(error as Error).message}; sshd said: ${stderr.trim() || "nothing"} (exit ${proc.exitCode})`);
      }
    },
    async kill() {
      if (!child?.pid) return;
      const proc = child;
      const sessions = descendants(proc.pid!).map((p) => p.pid);
      proc.kill("SIGKILL");
      for (const pid of sessions) {
        try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
      }
      if (proc.exitCode === null && proc.signalCode === null) await new Promise((r) => proc.once("exit", r));
    },
    rotateHostKey() {
      rmSync(hostKey, { force: true });
      rmSync(`${hostKey}.pub`, { force: true });
      keygen(hostKey);
    },
    async stop() {
      await fixture.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await fixture.start();
  return fixture;
}
