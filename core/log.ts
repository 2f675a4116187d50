// One pino logger. Plain JSON lines without a terminal, pretty lines on one; secrets are redacted.

import pino from "pino";

const REDACT = ["passphrase", "privateKey", "password", "token", "apiKey", "*.passphrase", "*.privateKey", "*.password", "*.token", "*.apiKey"];

export const log = pino({
  level: process.env.NIGHTSHIFT_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
  redact: { paths: REDACT, censor: "[redacted]" },
  base: undefined,
});

export type Logger = typeof log;
