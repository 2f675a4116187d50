// One pino logger. JSON lines on stderr (stdout is reserved for command output such as --json);
// secrets are redacted.

import pino from "pino";

const REDACT = ["passphrase", "privateKey", "password", "token", "apiKey", "*.passphrase", "*.privateKey", "*.password", "*.token", "*.apiKey"];

export const log = pino(
  {
    level: process.env.NIGHTSHIFT_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
    redact: { paths: REDACT, censor: "[redacted]" },
    base: undefined,
  },
  pino.destination(2),
);

export type Logger = typeof log;
