// Captures everything the project's pino logger writes, at debug level, for secret-leak checks.

import pino from "pino";
import { log } from "../../core/log.ts";

export function captureLog(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const target = log as unknown as Record<symbol, unknown>;
  const stream = target[pino.symbols.streamSym];
  const level = log.level;
  target[pino.symbols.streamSym] = { write: (line: string) => lines.push(line) };
  log.level = "debug";
  return {
    lines,
    restore() {
      target[pino.symbols.streamSym] = stream;
      log.level = level;
    },
  };
}
