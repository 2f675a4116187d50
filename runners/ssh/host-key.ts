// Host key verification: the key the server presents must match the profile's SHA256 fingerprint
// or an entry of its known_hosts file. Unknown and changed keys are both refused.

import { createHash, createHmac } from "node:crypto";
import { fail } from "../../core/errors.ts";
import { FILE_KINDS, readFileOrFail } from "../../core/read-file.ts";
import type { SshReach } from "../../hardware-profiles/schema.ts";

/** "SHA256:" + unpadded base64 of the key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

export type HostKeyCheck = { ok: true } | { ok: false; message: string };

export type HostKeyPolicy = (keyBlob: Buffer) => HostKeyCheck;

interface KnownHostEntry {
  hostPatterns: string;
  keyBase64: string;
  revoked: boolean;
}

function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]!.startsWith("@")) {
      const marker = fields.shift();
      if (marker === "@cert-authority") continue; // certificates are not supported; such a line vouches for nothing here
      revoked = marker === "@revoked";
    }
    if (fields.length < 3) continue;
    entries.push({ hostPatterns: fields[0]!, keyBase64: fields[2]!, revoked });
  }
  return entries;
}

/** The name known_hosts uses for host:port ("[host]:port" unless the port is 22). */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesHost(patterns: string, name: string): boolean {
  return patterns.split(",").some((pattern) => {
    if (pattern.startsWith("|1|")) {
      const [, , salt, hash] = pattern.split("|");
      if (!salt || !hash) return false;
      return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
    }
    return pattern === name;
  });
}

export function hostKeyPolicy(reach: Pick<SshReach, "host" | "port" | "hostKeySha256" | "knownHostsFile">): HostKeyPolicy {
  const where = `${reach.host}:${reach.port}`;
  if (reach.hostKeySha256) {
    const expected = reach.hostKeySha256;
    return (key) => {
      const received = fingerprintSha256(key);
      return received === expected
        ? { ok: true }
        : { ok: false, message: `host key of ${where}: expected ${expected}, received ${received} (the key changed or this is another host)` };
    };
  }
  if (reach.knownHostsFile) {
    const text = readFileOrFail(reach.knownHostsFile, FILE_KINDS.knownHosts, "PROFILE_INVALID", "reach.knownHostsFile").toString("utf8");
    const name = knownHostsName(reach.host, reach.port);
    const entries = parseKnownHosts(text).filter((e) => matchesHost(e.hostPatterns, name));
    return (key) => {
      const presented = key.toString("base64");
      const received = fingerprintSha256(key);
      if (entries.some((e) => e.revoked && e.keyBase64 === presented)) {
        return { ok: false, message: `host key of ${where}: received ${received}, which ${reach.knownHostsFile} marks @revoked` };
      }
      const known = entries.filter((e) => !e.revoked);
      if (known.length === 0) {
        return { ok: false, message: `host key of ${where}: expected an entry for ${name} in ${reach.knownHostsFile}, received unknown key ${received}` };
      }
      if (known.some((e) => e.keyBase64 === presented)) return { ok: true };
      const expected = known.map((e) => fingerprintSha256(Buffer.from(e.keyBase64, "base64"))).join(" or ");
      return { ok: false, message: `host key of ${where}: expected ${expected} (from ${reach.knownHostsFile}), received ${received} (the key changed)` };
    };
  }
  return fail("PROFILE_INVALID", `reach of ${where}: expected hostKeySha256 or knownHostsFile, received neither (an unverified host is never used)`);
}
