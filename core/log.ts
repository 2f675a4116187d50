// One pino logger on stderr (stdout is reserved for command output such as --json): readable lines on a
// terminal, JSON lines otherwise, so a daemon's log can be parsed. Secrets are redacted.

import pino from "pino";
import pretty from "pino-pretty";
import { redactSecrets } from "./redact.ts";

const REDACT = ["passphrase", "privateKey", "password", "token", "apiKey", "*.passphrase", "*.privateKey", "*.password", "*.token", "*.apiKey"];

const destination = process.stderr.isTTY
  ? pretty({ destination: 2, sync: true, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" })
  : pino.destination(2);

export const log = pino(
  {
    level: process.env.NIGHTSHIFT_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
    redact: { paths: REDACT, censor: "[redacted]" },
    // Credentials inside URLs (user:password@, ?api_key=) are redacted in every message and string field.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map(redactArgument) as Parameters<typeof method>);
      },
    },
    base: undefined,
  },
  destination,
);

function redactArgument(arg: unknown): unknown {
  if (typeof arg === "string") return redactSecrets(arg);
  if (arg === null || typeof arg !== "object" || Array.isArray(arg) || arg instanceof Error) return arg;
  return Object.fromEntries(Object.entries(arg).map(([key, value]) => [key, typeof value === "string" ? redactSecrets(value) : value]));
}
