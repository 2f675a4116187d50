// One pino logger on stderr (stdout is reserved for command output such as --json): readable lines on a
// terminal, JSON lines otherwise, so a daemon's log can be parsed. Secrets are redacted.

import pino from "pino";
import pretty from "pino-pretty";

const REDACT = ["passphrase", "privateKey", "password", "token", "apiKey", "*.passphrase", "*.privateKey", "*.password", "*.token", "*.apiKey"];

const destination = process.stderr.isTTY
  ? pretty({ destination: 2, sync: true, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" })
  : pino.destination(2);

export const log = pino(
  {
    level: process.env.NIGHTSHIFT_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
    redact: { paths: REDACT, censor: "[redacted]" },
    base: undefined,
  },
  destination,
);

export type Logger = typeof log;
