// Builds the sandbox runtime, the test driver and the attack programs with gcc into a fresh directory.
// Every path built here carries a random token, so processes the tests start can be found in /proc.

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

export const RUNTIME_DIR = resolve(import.meta.dirname, "../../harness/runtime");
const TEST_DIR = import.meta.dirname;
export const C_FLAGS = ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"];

export const SANDBOX_SOURCES = [
  "sandbox_plan.c",
  "sandbox_fs.c",
  "sandbox_child.c",
  "sandbox_spawn.c",
  "sandbox_observe.c",
  "sandbox_available.c",
  "sandbox_own.c",
];
export const LOCKDOWN_SOURCES = ["lockdown.c", "lockdown_filter.c", "lockdown_report.c", "syscall_names.c"];

/** Attack programs: name -> [source, extra gcc flags]. */
const ATTACKS: Record<string, [string, string[]]> = {
  attacks_process: ["attacks_process.c", []],
  attacks_io: ["attacks_io.c", []],
  attacks_memory: ["attacks_memory.c", []],
  attacks_signals: ["attacks_signals.c", ["-pthread"]],
  threads_pthread: ["threads_pthread.c", ["-pthread"]],
  threads_openmp: ["threads_openmp.c", ["-fopenmp"]],
  asan: ["sanitizer_errors.c", ["-fsanitize=address"]],
  ubsan: ["sanitizer_errors.c", ["-fsanitize=undefined"]],
};
export type AttackProgram = keyof typeof ATTACKS;

export const IS_ROOT = process.getuid?.() === 0;
/** The uid the sandboxed program has on the host in either mode when the tests run as root. */
export const NOBODY = 65534;

export interface SandboxBuild {
  /** Random and unique to this run: part of every path and program name below. */
  token: string;
  dir: string;
  driver: string;
  sandboxExec: string;
  /** A fresh workdir (writable by the sandbox's uid) holding a copy of the named attack programs. */
  workdir(programs?: AttackProgram[]): string;
  /** The name an attack program has inside the sandbox, under /work. */
  inside(program: AttackProgram): string;
  remove(): void;
}

function gcc(cwd: string, args: string[]): void {
  execFileSync("gcc", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

export function buildSandbox(): SandboxBuild {
  const token = `nsx${randomBytes(5).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), `${token}-`));
  chmodSync(dir, 0o755); // the unprivileged runs (uid 65534) start the driver from here
  const runtime = (f: string) => join(RUNTIME_DIR, f);
  gcc(dir, [...C_FLAGS, "-c", ...[...SANDBOX_SOURCES, ...LOCKDOWN_SOURCES].map(runtime), join(TEST_DIR, "attack_main.c")]);
  const sandboxObjects = SANDBOX_SOURCES.map((f) => f.replace(/\.c$/, ".o"));
  const lockdownObjects = [...LOCKDOWN_SOURCES.map((f) => f.replace(/\.c$/, ".o")), "attack_main.o"];
  const driver = join(dir, `${token}_driver`);
  const sandboxExec = join(dir, `${token}_sandbox_exec`);
  gcc(dir, [...C_FLAGS, "-o", driver, join(TEST_DIR, "driver.c"), ...sandboxObjects]);
  gcc(dir, [...C_FLAGS, "-o", sandboxExec, runtime("sandbox_exec.c"), ...sandboxObjects]);
  for (const [name, [source, flags]] of Object.entries(ATTACKS)) {
    gcc(dir, [...C_FLAGS, ...flags, "-o", join(dir, name), join(TEST_DIR, source), ...lockdownObjects]);
  }
  let workdirs = 0;
  return {
    token,
    dir,
    driver,
    sandboxExec,
    workdir(programs: AttackProgram[] = []) {
      const w = join(dir, `w${workdirs++}`);
      mkdirSync(w);
      chmodSync(w, 0o755);
      for (const p of programs) copyFileSync(join(dir, p), join(w, `${token}_${p}`));
      for (const p of programs) chmodSync(join(w, `${token}_${p}`), 0o755);
      if (IS_ROOT) {
        chownSync(w, NOBODY, NOBODY);
        for (const p of programs) chownSync(join(w, `${token}_${p}`), NOBODY, NOBODY);
      }
      return w;
    },
    inside(program: AttackProgram) {
      return `/work/${token}_${program}`;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
