// Opens one authenticated, host-verified SSH connection. Every failure becomes an InfraFault that says
// what was expected and what happened; the key and its passphrase stay in this closure, never in a log.

import ssh2, { type Client, type ConnectConfig } from "ssh2";
import { fail } from "../../core/errors.ts";
import { InfraFault } from "../../core/infra-fault.ts";
import { FILE_KINDS, readFileOrFail } from "../../core/read-file.ts";
import type { SshReach } from "../../hardware-profiles/schema.ts";
import { hostKeyPolicy, type HostKeyPolicy } from "./host-key.ts";

export type SshTarget = Pick<
  SshReach,
  "host" | "port" | "user" | "identityFile" | "passphraseEnv" | "hostKeySha256" | "knownHostsFile" | "connectTimeoutMs"
>;

export interface Credentials {
  readonly privateKey: Buffer;
  readonly passphrase?: string;
  readonly hostKey: HostKeyPolicy;
}

/** Reads and checks the key once, when the device is configured: a bad key is a configuration error. */
export function loadCredentials(target: SshTarget): Credentials {
  const privateKey = readFileOrFail(target.identityFile, FILE_KINDS.sshIdentity, "PROFILE_INVALID", "reach.identityFile");
  let passphrase: string | undefined;
  if (target.passphraseEnv) {
    passphrase = process.env[target.passphraseEnv];
    if (passphrase === undefined) fail("PROFILE_INVALID", `reach.passphraseEnv: expected environment variable ${target.passphraseEnv} to hold the key's passphrase, received nothing`);
  }
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    // ssh2's message names the problem (encrypted key, bad passphrase) without echoing the secret.
    fail("PROFILE_INVALID", `reach.identityFile: expected a private key usable ${passphrase === undefined ? "without a passphrase" : "with the passphrase from " + target.passphraseEnv}, received ${JSON.stringify(target.identityFile)} (${parsed.message})`);
  }
  return { privateKey, passphrase, hostKey: hostKeyPolicy(target) };
}

export interface ConnectOptions {
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export function connectOnce(target: SshTarget, credentials: Credentials, options: ConnectOptions): Promise<Client> {
  const where = `${target.user}@${target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | undefined;
    let settled = false;
    const settle = (error?: InfraFault) => {
      if (settled) return;
      settled = true;
      if (error) {
        client.removeAllListeners("ready");
        client.on("error", () => {}); // late errors of a dead attempt are already reported
        client.end();
        reject(error);
      } else resolve(client);
    };
    client.once("ready", () => {
      // Commands are small request/response exchanges: Nagle's algorithm with delayed ACKs would add
      // tens of milliseconds to each of them.
      client.setNoDelay(true);
      settle();
    });
    client.on("error", (error: Error & { level?: string }) => {
      if (hostKeyProblem) {
        settle(new InfraFault("HOST_KEY_MISMATCH", `HOST_KEY_MISMATCH: ${hostKeyProblem}; device refused`, { retryable: false }));
      } else if (error.level === "client-authentication") {
        settle(new InfraFault("AUTH_FAILED", `ssh ${where}: expected the server to accept key ${target.identityFile}, received an authentication failure`, { retryable: false }));
      } else if (/timed out/i.test(error.message)) {
        settle(new InfraFault("UNREACHABLE", `ssh ${where}: expected an SSH handshake within ${target.connectTimeoutMs} ms, received none`, { retryable: true }));
      } else {
        settle(new InfraFault("UNREACHABLE", `ssh ${where}: could not connect (${error.message})`, { retryable: true }));
      }
    });
    client.on("close", () => settle(new InfraFault("UNREACHABLE", `ssh ${where}: the connection closed during the handshake`, { retryable: true })));
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: credentials.privateKey,
      passphrase: credentials.passphrase,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        const check = credentials.hostKey(key);
        if (!check.ok) hostKeyProblem = check.message;
        return check.ok;
      },
    };
    try {
      client.connect(config);
    } catch (error) {
      settle(new InfraFault("UNREACHABLE", `ssh ${where}: could not connect (${(error as Error).message})`, { retryable: true }));
    }
  });
}
