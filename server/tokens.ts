// The daemon's two tokens: an admin token (submit, cancel, pause, resume, upload) and a read token
// (dashboards: everything that only looks). Each comes from the environment (NIGHTSHIFT_TOKEN,
// NIGHTSHIFT_READ_TOKEN) or from a file next to the store, generated on first start with mode 0600.
// Presented tokens are compared in constant time, against both tokens always.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { fail } from "../core/errors.ts";

export type TokenKind = "admin" | "read";

export interface Tokens {
  admin: string;
  read: string;
  /** Where the generated tokens are kept (null when both came from the environment). */
  file: string | null;
}

const MIN_LENGTH = 24;
const TOKEN_TEXT = /^[A-Za-z0-9._~+/=-]+$/;

/** The tokens file next to a store: <store without extension>.tokens.json. */
export function tokensPath(storePath: string): string {
  return `${storePath.replace(/\.(db|sqlite3?)$/, "")}.tokens.json`;
}

function newToken(kind: TokenKind): string {
  return `ns${kind === "admin" ? "a" : "r"}_${randomBytes(32).toString("base64url")}`;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return undefined;
  if (value.length < MIN_LENGTH || !TOKEN_TEXT.test(value)) {
    fail("USAGE", `$${name}: expected a token of at least ${MIN_LENGTH} letters, digits or -._~+/=, received one of ${value.length} characters${TOKEN_TEXT.test(value) ? "" : " with other characters"}`);
  }
  return value;
}

function readTokensFile(file: string): { admin: string; read: string } {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    fail("USAGE", `${file}: expected a tokens file only its owner can read (mode 600), received mode ${mode.toString(8)}; run chmod 600 ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return fail("USAGE", `${file}: expected the daemon's tokens as JSON, received text that does not parse (${(error as Error).message})`);
  }
  const tokens = raw as { admin?: unknown; read?: unknown };
  if (typeof tokens.admin !== "string" || typeof tokens.read !== "string") {
    fail("USAGE", `${file}: expected {"admin": "...", "read": "..."}, received other JSON; delete the file to have new tokens generated`);
  }
  return { admin: tokens.admin, read: tokens.read };
}

export function loadTokens(storePath: string, env: NodeJS.ProcessEnv = process.env): Tokens {
  const admin = fromEnv(env, "NIGHTSHIFT_TOKEN");
  const read = fromEnv(env, "NIGHTSHIFT_READ_TOKEN");
  if (admin !== undefined && read !== undefined) return check({ admin, read, file: null });
  const file = tokensPath(storePath);
  if (!existsSync(file)) {
    // "wx": created here with its final mode, never over a file another process wrote meanwhile.
    writeFileSync(file, `${JSON.stringify({ admin: newToken("admin"), read: newToken("read") }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  }
  const stored = readTokensFile(file);
  return check({ admin: admin ?? stored.admin, read: read ?? stored.read, file });
}

function check(tokens: Tokens): Tokens {
  if (tokens.admin === tokens.read) fail("USAGE", "tokens: expected different admin and read tokens, received the same token for both");
  return tokens;
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** The kind of a presented token, or null. Digests make the lengths equal; both comparisons always run. */
export function tokenKind(tokens: Tokens, presented: string): TokenKind | null {
  const given = digest(presented);
  const isAdmin = timingSafeEqual(given, digest(tokens.admin));
  const isRead = timingSafeEqual(given, digest(tokens.read));
  return isAdmin ? "admin" : isRead ? "read" : null;
}
