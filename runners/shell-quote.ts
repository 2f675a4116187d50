// POSIX shell quoting. Every value that reaches a remote shell (paths, argv, environment values)
// passes through here, so a value can never end a quoted word and start a command of its own.

import { fail } from "../core/errors.ts";

/** One word for sh: single-quoted, with embedded single quotes closed, escaped and reopened. */
export function quote(value: string): string {
  if (value.includes("\0")) fail("INTERNAL", `shell quote: expected a string without NUL bytes, received ${JSON.stringify(value)}`);
  // Plain tokens stay readable in logs; everything else is single-quoted.
  if (value !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** argv as one command line for sh. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) fail("INTERNAL", "shell quote: expected a non-empty argv, received []");
  return argv.map(quote).join(" ");
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env NAME=value ...` prefix words; names are checked because they cannot be quoted. */
export function envAssignments(env: Readonly<Record<string, string>> = {}): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) fail("INTERNAL", `environment variable name: expected [A-Za-z_][A-Za-z0-9_]*, received ${JSON.stringify(name)}`);
    return `${name}=${value}`;
  });
}
