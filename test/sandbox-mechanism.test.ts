// The sandbox mechanism itself (harness/runtime): namespaces, the read-only view, the seccomp lockdown and
// the monitor-side readers, attacked by small C programs (test/sandbox/). Everything runs twice when the
// tests run as root: on the root path, and unprivileged (uid 65534, through a user namespace).

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox, C_FLAGS, IS_ROOT, LOCKDOWN_SOURCES, NOBODY, RUNTIME_DIR, SANDBOX_SOURCES } from "./sandbox/build.ts";
import type { AttackProgram, SandboxBuild } from "./sandbox/build.ts";
import { eventually, isGone, processesMentioning } from "./sandbox/processes.ts";

type Mode = "root" | "unprivileged";
const MODES: Mode[] = IS_ROOT ? ["root", "unprivileged"] : ["unprivileged"];
const REPO = resolve(import.meta.dirname, "..");
const X64 = process.arch === "x64";
const ASAN_ENV = "ASAN_OPTIONS=detect_leaks=0:symbolize=0:halt_on_error=1:exitcode=86";
const UBSAN_ENV = "UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=0";
const SIGKILL = 9;
const SIGSYS = 31;

let build: SandboxBuild;
beforeAll(() => {
  build = buildSandbox();
});
afterAll(() => build?.remove());
afterEach(() => {
  expect(processesMentioning(build.token)).toEqual([]);
});

/** The command line that runs program as the mode's user (setpriv drops root to 65534 with no groups). */
function asMode(mode: Mode, program: string, args: string[]): [string, string[]] {
  if (mode === "unprivileged" && IS_ROOT) {
    return ["setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", program, ...args]];
  }
  return [program, args];
}

interface Outcome {
  pid: number;
  exit: number | null;
  signal: number | null;
  violation: string | null;
  report: string;
  stdout: string;
  stderr: string;
  threads_max: number;
  cpu_ns: number;
  timed_out: boolean;
}

function lastJson<T>(r: { stdout: string; stderr: string; status: number | null }): T {
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`driver printed no JSON (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
}

function drive<T = Outcome>(mode: Mode, driverArgs: string[], command: string[] = []): T {
  const [cmd, args] = asMode(mode, build.driver, command.length ? [...driverArgs, "--", ...command] : driverArgs);
  return lastJson<T>(spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 }));
}

interface AttackOptions {
  env?: string[];
  extra?: string[];
}

/** Runs one attack of program in a fresh workdir, pinned to CPU 0. */
function attack(mode: Mode, program: AttackProgram, policy: string, name: string, args: string[] = [], o: AttackOptions = {}): Outcome {
  const workdir = build.workdir([program]);
  const flags = ["--workdir", workdir, "--cpus", "0", ...(o.env ?? []).flatMap((e) => ["--env", e]), ...(o.extra ?? [])];
  return drive(mode, flags, [build.inside(program), policy, name, ...args]);
}

function sandboxExec(mode: Mode, args: string[]) {
  const [cmd, a] = asMode(mode, build.sandboxExec, args);
  return spawnSync(cmd, a, { encoding: "utf8", timeout: 120_000 });
}

/** Starts the driver in hold mode; resolves the sandboxed program's pid once it is running. */
function hold(mode: Mode, program: AttackProgram, args: string[]): { child: ChildProcess; pid: Promise<number>; exited: Promise<void> } {
  const workdir = build.workdir([program]);
  const [cmd, a] = asMode(mode, build.driver, ["--workdir", workdir, "--cpus", "0", "--mode", "hold", "--", build.inside(program), ...args]);
  const child = spawn(cmd, a, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const pid = new Promise<number>((resolvePid, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/\{"spawned":(\d+)\}/);
      if (m) resolvePid(Number(m[1]));
    });
    child.on("exit", () => reject(new Error(`driver exited before spawning: ${out}`)));
  });
  child.stderr!.resume();
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  return { child, pid, exited };
}

type Expected = { violation: string } | { signal: number };

// [program, policy, attack, what must happen]. Names are those the kernel has on this architecture.
const REFUSALS: Array<[AttackProgram, string, string, Expected]> = [
  ["attacks_process", "kernel", "fork", { violation: "clone" }],
  ["attacks_process", "threads", "fork", { violation: "clone" }],
  ["attacks_process", "kernel", "fork_setsid", { violation: "clone" }],
  ["attacks_process", "kernel", "clone_sigchld", { violation: "clone" }],
  ["attacks_process", "threads", "clone_sigchld", { violation: "clone" }],
  ["attacks_process", "kernel", "clone_asm", { violation: "clone" }],
  ["attacks_process", "threads", "clone_asm", { violation: "clone" }],
  ...(X64
    ? ([
        ["attacks_process", "kernel", "fork_raw", { violation: "fork" }],
        ["attacks_process", "threads", "x32_syscall", { violation: "x32" }],
      ] as Array<[AttackProgram, string, string, Expected]>)
    : []),
  ["attacks_process", "kernel", "vfork", { violation: X64 ? "vfork" : "clone" }],
  ["attacks_process", "threads", "vfork", { violation: X64 ? "vfork" : "clone" }],
  ["attacks_process", "kernel", "execve", { violation: "execve" }],
  ["attacks_process", "kernel", "execveat", { violation: "execveat" }],
  // system() first ignores SIGINT; posix_spawn blocks every signal before its clone, SIGSYS included, so
  // the kernel kills with SIGSYS instead of running the reporting handler.
  ["attacks_process", "kernel", "system", { violation: "rt_sigaction" }],
  ["attacks_process", "kernel", "posix_spawn", { signal: SIGSYS }],
  ["attacks_process", "threads", "posix_spawn", { signal: SIGSYS }],
  ["attacks_process", "kernel", "kill_init", { violation: "kill" }],
  ["attacks_process", "kernel", "kill_all", { violation: "kill" }],
  ["attacks_process", "kernel", "ptrace", { violation: "ptrace" }],
  ["attacks_process", "kernel", "process_vm_writev", { violation: "process_vm_writev" }],
  ["attacks_process", "kernel", "unshare", { violation: "unshare" }],
  ["attacks_process", "kernel", "mount", { violation: "mount" }],
  ["attacks_process", "kernel", "setns", { violation: "setns" }],
  ["attacks_process", "kernel", "personality", { violation: "personality" }],
  ["attacks_process", "kernel", "prctl", { violation: "prctl" }],
  ["attacks_process", "threads", "sched_setaffinity", { violation: "sched_setaffinity" }],
  ["attacks_io", "kernel", "socket_inet", { violation: "socket" }],
  ["attacks_io", "kernel", "socket_unix", { violation: "socket" }],
  ["attacks_io", "threads", "socket_inet", { violation: "socket" }],
  ["attacks_io", "kernel", "open_passwd", { violation: "openat" }],
  ["attacks_io", "threads", "open_passwd", { violation: "openat" }],
  ["attacks_io", "sanitizer", "open_work", { violation: "openat" }],
  ["attacks_io", "kernel", "ioctl", { violation: "ioctl" }],
  ["attacks_io", "sanitizer", "ioctl", { violation: "ioctl" }],
  ["attacks_memory", "kernel", "mmap_exec", { violation: "mmap" }],
  ["attacks_memory", "sanitizer", "mmap_exec", { violation: "mmap" }],
  ["attacks_memory", "kernel", "mprotect_exec", { violation: "mprotect" }],
  ["attacks_memory", "cuda", "mprotect_exec", { violation: "mprotect" }],
  ["attacks_memory", "kernel", "pkey_mprotect", { violation: "pkey_mprotect" }],
  ["attacks_signals", "kernel", "setitimer", { violation: "setitimer" }],
  ["attacks_signals", "kernel", "alarm", { violation: X64 ? "alarm" : "setitimer" }],
  ["attacks_signals", "kernel", "timer_create", { violation: "timer_create" }],
  ["attacks_signals", "kernel", "timerfd_create", { violation: "timerfd_create" }],
  ["attacks_signals", "kernel", "signalfd", { violation: "signalfd4" }],
  ["attacks_signals", "kernel", "sigaction_sigsys", { violation: "rt_sigaction" }],
  ["attacks_signals", "threads", "sigaction_sigsys", { violation: "rt_sigaction" }],
  ["attacks_signals", "kernel", "sigaction_segv", { violation: "rt_sigaction" }],
  ["attacks_signals", "kernel", "block_sigsys", { signal: SIGSYS }],
  // pthread_create blocks all signals around clone3, so these end by SIGSYS too.
  ["threads_pthread", "kernel", "pthreads", { signal: SIGSYS }],
  ["threads_openmp", "kernel", "openmp", { signal: SIGSYS }],
];

function describeExpected(e: Expected): string {
  return "violation" in e ? `reported as ${e.violation}, exit 159` : `killed by signal ${e.signal}`;
}

describe.each(MODES)("the sandbox, %s", (mode) => {
  it("is available on this host (namespaces, mounts, seccomp)", () => {
    const r = drive<{ available: boolean; why: string }>(mode, ["--available"]);
    expect(r).toEqual({ available: true, why: "" });
  });

  describe("lockdown refuses", () => {
    it.each(REFUSALS.map(([p, pol, a, e]) => [`${a} under ${pol}: ${describeExpected(e)}`, p, pol, a, e] as const))(
      "%s",
      (_title, program, policy, name, expected) => {
        // OpenMP starts no thread with the one CPU it is given unless told to
        const r = attack(mode, program, policy, name, [], { env: ["OMP_NUM_THREADS=4"] });
        expect(r.stdout).not.toContain("NOT REFUSED");
        if ("violation" in expected) {
          expect({ exit: r.exit, signal: r.signal }).toEqual({ exit: 159, signal: null });
          expect(r.violation).toMatch(new RegExp(`^sandbox_violation \\d+ ${expected.violation}$`));
        } else {
          expect({ exit: r.exit, signal: r.signal, violation: r.violation }).toEqual({ exit: null, signal: expected.signal, violation: null });
        }
      },
    );

    it("to start when a writable and executable mapping exists", () => {
      const r = attack(mode, "attacks_memory", "kernel", "wx_mapping");
      expect(r.exit).toBe(3);
      expect(r.stderr).toBe("ns_lockdown(kernel): Operation not permitted\n");
    });
  });

  describe("lockdown allows", () => {
    it("ordinary memory under the kernel policy", () => {
      const r = attack(mode, "attacks_memory", "kernel", "mmap_rw");
      expect([r.exit, r.stdout, r.violation]).toEqual([0, "memory ok\n", null]);
    });

    it("pthreads under the threads policy", () => {
      const r = attack(mode, "threads_pthread", "threads", "pthreads");
      expect([r.exit, r.stdout, r.violation]).toEqual([0, "threads 4 sum 549755289600\n", null]);
    });

    it("an OpenMP team under the threads policy, with all its threads", () => {
      const r = attack(mode, "threads_openmp", "threads", "openmp", [], { env: ["OMP_NUM_THREADS=4"] });
      expect([r.exit, r.stdout, r.violation]).toEqual([0, "team 4 sum 549755289600\n", null]);
    });

    it("AddressSanitizer to report an out-of-bounds read and exit 86 under the sanitizer policy only", () => {
      const r = attack(mode, "asan", "sanitizer", "heap_overflow", [], { env: [ASAN_ENV] });
      expect([r.exit, r.violation]).toEqual([86, null]);
      expect(r.stderr).toContain("ERROR: AddressSanitizer: heap-buffer-overflow");
      expect(r.stderr).toContain("SUMMARY: AddressSanitizer");
      const strict = attack(mode, "asan", "threads", "heap_overflow", [], { env: [ASAN_ENV] });
      expect(strict.exit).toBe(159);
      expect(strict.violation).toMatch(/^sandbox_violation \d+ ioctl$/);
    });

    it("UBSan to report signed overflow and exit 87 under the sanitizer policy only", () => {
      const r = attack(mode, "ubsan", "sanitizer", "signed_overflow", [], { env: [UBSAN_ENV] });
      expect([r.exit, r.violation]).toEqual([87, null]);
      expect(r.stderr).toContain("runtime error: signed integer overflow");
      const strict = attack(mode, "ubsan", "threads", "signed_overflow", [], { env: [UBSAN_ENV] });
      expect(strict.exit).toBe(159);
      expect(strict.violation).toMatch(new RegExp(`^sandbox_violation \\d+ ${X64 ? "readlink" : "readlinkat"}$`));
    });

    it("abort() to end as a crash, not as a violation (PID 1 ignores its own SIGABRT)", () => {
      const r = attack(mode, "attacks_process", "kernel", "abort");
      // x86-64: glibc's last resort is hlt, a fault; aarch64 has none and ends with _exit(127)
      expect({ exit: r.exit, signal: r.signal, violation: r.violation }).toEqual(
        X64 ? { exit: null, signal: 11, violation: null } : { exit: 127, signal: null, violation: null },
      );
    });
  });

  describe("isolation without lockdown", () => {
    it("has no network: one loopback, down, and the host's listening socket is unreachable", async () => {
      const server = createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      const port = (server.address() as AddressInfo).port;
      try {
        const r = attack(mode, "attacks_io", "none", "net_probe", [`127.0.0.1:${port}`]);
        expect(r.exit).toBe(0);
        expect(r.stdout).toBe(`iface lo down\nconnect 127.0.0.1:${port}: ENETUNREACH\n`);
      } finally {
        server.close();
      }
    });

    it("can write only under /work, and sees none of the host's or the monitor's files", () => {
      const workdir = build.workdir(["attacks_io"]);
      const probes = ["/x", "/usr/x", "/etc/x", "/dev/x", "/work/created", "stat:/home", "stat:/root", "stat:/tmp",
        `stat:${build.dir}`, `stat:${REPO}`, "stat:/etc/passwd", "stat:/etc/ld.so.cache", "write-mem"];
      const r = drive(mode, ["--workdir", workdir], [build.inside("attacks_io"), "none", "fs_probe", ...probes]);
      expect(r.exit).toBe(0);
      expect(r.stdout.trim().split("\n")).toEqual([
        "create /x: EROFS",
        "create /usr/x: EROFS",
        "create /etc/x: EROFS",
        "create /dev/x: EROFS",
        "create /work/created: created",
        "stat /home: ENOENT",
        "stat /root: ENOENT",
        "stat /tmp: ENOENT",
        `stat ${build.dir}: ENOENT`,
        `stat ${REPO}: ENOENT`,
        "stat /etc/passwd: ENOENT",
        "stat /etc/ld.so.cache: exists",
        "write-mem: EROFS",
      ]);
      expect(existsSync(join(workdir, "created"))).toBe(true);
    });

    it("shows a root of only the system binds, /dev, /proc and /work, as uid 65534 with no capabilities", () => {
      const workdir = build.workdir();
      const script = [
        "ls -A /", "echo --", "ls -A /etc", "echo --", "ls /proc", "echo --", "id -u", "id -g", "id -G", "uname -n",
        "grep -E '^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status",
        `for p in /home /root /tmp ${build.dir} ${REPO}; do test -e $p && echo visible $p; done; true # ${build.token}`,
      ].join("; ");
      const r = sandboxExec(mode, ["--workdir", workdir, "--", "/bin/sh", "-c", script]);
      expect(r.status, r.stderr).toBe(0);
      const [root, etc, proc, rest] = r.stdout.split("--\n").map((s) => s.trim().split("\n"));
      const system = ["usr", "lib", "lib64", "lib32", "libx32", "bin", "sbin"].filter((d) => existsSync(`/${d}`));
      const loader = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives"].filter((f) => existsSync(`/etc/${f}`));
      expect(root.sort()).toEqual([...system, "dev", "etc", "proc", "work"].sort());
      expect(etc.sort()).toEqual(loader.sort());
      const pids = proc.filter((e) => /^\d+$/.test(e)).map(Number);
      expect(pids).toContain(1);
      expect(Math.max(...pids)).toBeLessThan(50); // only this namespace's processes
      expect(proc.filter((e) => !/^\d+$/.test(e)).sort()).toEqual(["self", "thread-self"]);
      expect(rest).toEqual(["65534", "65534", "65534", "sandbox", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
        "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1"]);
    });

    it("kills a grandchild in its own session when PID 1 exits", () => {
      const r = attack(mode, "attacks_process", "none", "fork_setsid");
      expect([r.exit, r.stdout]).toEqual([0, "child 2\n"]);
      expect(processesMentioning(build.token)).toEqual([]);
    });

    it("enforces RLIMIT_CPU with SIGKILL, even on PID 1", () => {
      const r = attack(mode, "attacks_signals", "kernel", "spin", ["1"], { extra: ["--cpu-seconds", "1"] });
      expect({ exit: r.exit, signal: r.signal, timed_out: r.timed_out }).toEqual({ exit: null, signal: SIGKILL, timed_out: false });
      // the limit is checked against the kernel's sampled CPU time, a little coarser than this clock
      expect(r.cpu_ns).toBeGreaterThan(500_000_000);
    });

    it.runIf(mode === "root")("limits processes with RLIMIT_NPROC where 65534 is a real uid", () => {
      const r = attack(mode, "attacks_process", "none", "fork_probe", [], { extra: ["--nproc", "1"] });
      expect([r.exit, r.stdout]).toEqual([0, "fork: EAGAIN\n"]);
      const unlimited = attack(mode, "attacks_process", "none", "fork_probe");
      expect([unlimited.exit, unlimited.stdout]).toEqual([0, "fork: ok\n"]);
    });
  });

  describe("when the monitor is killed with SIGKILL", () => {
    it("the spinning program dies with it", async () => {
      const h = hold(mode, "attacks_signals", ["kernel", "spin", "1"]);
      const pid = await h.pid;
      expect(isGone(pid)).toBe(false);
      h.child.kill("SIGKILL");
      await h.exited;
      expect(await eventually(() => isGone(pid))).toBe(true);
    });

    it("a grandchild started before any lockdown dies with PID 1", async () => {
      const h = hold(mode, "attacks_process", ["none", "fork_setsid", "spin"]);
      const pid = await h.pid;
      // the driver, PID 1 and its grandchild
      expect(await eventually(() => processesMentioning(build.token).length === 3)).toBe(true);
      h.child.kill("SIGKILL");
      await h.exited;
      expect(await eventually(() => isGone(pid) && processesMentioning(build.token).length === 0)).toBe(true);
    });
  });

  describe("the monitor's readers", () => {
    it("stop a spinning thread group whole (CPU time frozen), resume it, and read threads and signals", () => {
      const workdir = build.workdir(["attacks_signals"]);
      const r = drive<{ threads: number; pending: number; caught: number; stop_rc: number; cont_rc: number; state: string;
        stopped_delta_ns: number; running_delta_ns: number }>(mode, ["--workdir", workdir, "--cpus", "0", "--mode", "stop"],
        [build.inside("attacks_signals"), "threads", "spin", "4"]);
      expect({ threads: r.threads, stop_rc: r.stop_rc, cont_rc: r.cont_rc, state: r.state }).toEqual({ threads: 4, stop_rc: 0, cont_rc: 0, state: "T" });
      expect(r.stopped_delta_ns).toBe(0);
      expect(r.running_delta_ns).toBeGreaterThan(0);
      const bit = (sig: number) => 2 ** (sig - 1);
      expect(Math.floor(r.pending / bit(12)) % 2).toBe(1); // SIGUSR2, blocked by the program
      expect(Math.floor(r.caught / bit(10)) % 2).toBe(1); // SIGUSR1, its own handler
      expect(Math.floor(r.caught / bit(31)) % 2).toBe(1); // SIGSYS, the lockdown's handler
    });
  });

  describe("sandbox_exec", () => {
    it("runs gcc on a source in the workdir and the result runs too", () => {
      const workdir = build.workdir();
      const source = `${build.token}_hello.c`;
      writeFileSync(join(workdir, source), '#include <stdio.h>\nint main(void) { puts("hello from the sandbox"); return 0; }\n');
      if (IS_ROOT) chownSync(join(workdir, source), NOBODY, NOBODY);
      const cc = sandboxExec(mode, ["--workdir", workdir, "--cpus", "0", "--env", "TMPDIR=/work", "--", "gcc", "-O2", "-o", "hello", source]);
      expect(cc.status, cc.stderr).toBe(0);
      expect(existsSync(join(workdir, "hello"))).toBe(true);
      const run = sandboxExec(mode, ["--workdir", workdir, "--", "/work/hello"]);
      expect([run.status, run.stdout]).toEqual([0, "hello from the sandbox\n"]);
    });

    it("compiles nothing from files outside the sandbox: #include of host files fails", () => {
      const secret = join(build.dir, "secret.h");
      writeFileSync(secret, "int secret = 42;\n");
      for (const path of ["/etc/passwd", secret, join(REPO, "package.json"), "/root/.profile"]) {
        const workdir = build.workdir();
        const source = `${build.token}_leak.c`;
        writeFileSync(join(workdir, source), `#include "${path}"\n`);
        if (IS_ROOT) chownSync(join(workdir, source), NOBODY, NOBODY);
        const cc = sandboxExec(mode, ["--workdir", workdir, "--env", "TMPDIR=/work", "--", "gcc", "-c", source]);
        expect(cc.status).toBe(1);
        expect(cc.stderr).toContain(`${path}: No such file or directory`);
      }
    });

    it("exits 124 on its time limit and leaves no process behind", () => {
      const workdir = build.workdir();
      const spin = `while :; do :; done # ${build.token}`;
      const r = sandboxExec(mode, ["--workdir", workdir, "--time-limit-ms", "300", "--", "/bin/sh", "-c", `/bin/sh -c '${spin}' & ${spin}`]);
      expect(r.status).toBe(124);
      expect(processesMentioning(build.token)).toEqual([]);
    });

    it("passes the program's exit status through", () => {
      const r = sandboxExec(mode, ["--workdir", build.workdir(), "--", "/bin/sh", "-c", "exit 7"]);
      expect(r.status).toBe(7);
    });

    it("exits 125 with one line when the sandbox cannot be set up", () => {
      const missing = join(build.dir, "missing");
      const r = sandboxExec(mode, ["--workdir", missing, "--", "/bin/true"]);
      expect(r.status).toBe(125);
      expect(r.stderr).toBe(`sandbox_exec: workdir ${missing}: No such file or directory\n`);
      const noProgram = sandboxExec(mode, ["--workdir", build.workdir(), "--", "/work/absent"]);
      expect(noProgram.status).toBe(125);
      expect(noProgram.stderr).toBe("sandbox_exec: sandbox setup failed: execve /work/absent: No such file or directory\n");
    });

    it("turns SIGTERM into a kill of the whole sandbox", async () => {
      const [cmd, args] = asMode(mode, build.sandboxExec, ["--workdir", build.workdir(), "--", "/bin/sh", "-c",
        `/bin/sh -c 'while :; do :; done # ${build.token}' & while :; do :; done`]);
      const child = spawn(cmd, args, { stdio: "ignore" });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      expect(await eventually(() => processesMentioning(build.token).length === 3)).toBe(true);
      child.kill("SIGTERM");
      expect(await exited).toBe(143);
      expect(await eventually(() => processesMentioning(build.token).length === 0)).toBe(true);
    });

    it("dies with its parent, and the sandbox with it", async () => {
      const inner = `${build.sandboxExec} --workdir ${build.workdir()} -- /bin/sh -c 'while :; do :; done # ${build.token}'; echo never`;
      const [cmd, args] = asMode(mode, "/bin/sh", ["-c", inner]);
      const parent = spawn(cmd, args, { stdio: "ignore" });
      const exited = new Promise<void>((r) => parent.on("exit", () => r()));
      // the parent shell, sandbox_exec and the sandboxed shell
      expect(await eventually(() => processesMentioning(build.token).length === 3)).toBe(true);
      parent.kill("SIGKILL");
      await exited;
      expect(await eventually(() => processesMentioning(build.token).length === 0)).toBe(true);
    });
  });
});

describe("the mount plan", () => {
  // AddressSanitizer turns any read of a freed path while the plan is built into a failure every time,
  // where on a plain build it only drops a bind now and then.
  it("binds every read-only path, nested ones included, without touching freed memory", () => {
    const exe = join(build.dir, `${build.token}_sandbox_exec_asan`);
    const sources = [...SANDBOX_SOURCES, "sandbox_exec.c"].map((f) => join(RUNTIME_DIR, f));
    const cc = spawnSync("gcc", [...C_FLAGS, "-fsanitize=address", "-o", exe, ...sources], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    const ro = [join(build.dir, "ro"), join(build.dir, "ro", "inner"), join(build.dir, "ro2")];
    for (const dir of ro) mkdirSync(dir, { recursive: true });
    for (const dir of ro) writeFileSync(join(dir, "mark"), dir);
    const args = ro.flatMap((dir) => ["--ro", dir]);
    for (let i = 0; i < 5; i++) {
      const r = spawnSync(exe, [...args, "--workdir", build.workdir(), "--", "/bin/cat", ...ro.map((d) => join(d, "mark"))], {
        encoding: "utf8",
        env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0" },
      });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(ro.join(""));
    }
  });
});

describe("portability", () => {
  const cross = spawnSync("aarch64-linux-gnu-gcc", ["--version"]).status === 0;
  it.skipIf(!cross)("the runtime compiles for aarch64 with -Werror", () => {
    const sources = [...SANDBOX_SOURCES, ...LOCKDOWN_SOURCES, "sandbox_exec.c"].map((f) => join(RUNTIME_DIR, f));
    for (const source of sources) {
      const r = spawnSync("aarch64-linux-gnu-gcc", [...C_FLAGS, "-fsyntax-only", source], { encoding: "utf8" });
      expect(r.status, `${source}: ${r.stderr}`).toBe(0);
    }
  });
});
