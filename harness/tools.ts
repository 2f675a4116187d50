// nightshift's trusted programs on a machine, built once per executor before any variant is: sandbox_exec (a
// whole command in the sandbox: compilers on untrusted source, a CUDA run), the sandbox library the monitor
// links, the lockdown library every worker links, and the fixed sources the per-variant programs compile
// (monitor, worker main, compare program, their headers). The directory is read-only for the sandbox, which
// sees it only where a build needs it. Whether this machine can sandbox at all is asked here, once.

import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { machineFault } from "../core/infra-fault.ts";
import { runtimeFile } from "./c/generate.ts";
import { tail } from "./interpret.ts";
import { TOOLS_DIR } from "./plan.ts";
import type { ExecResult, Executor } from "./types.ts";

export interface Tools {
  dir: string;
  sandboxExec: string;
  /** True when this machine can make a sandbox; otherwise why not (untrusted code is refused unless the user allows it). */
  sandbox: { available: true } | { available: false; why: string };
}

const RUNTIME_DIR = join(import.meta.dirname, "runtime");
const SHARED_HEADERS = ["ns_common.h", "ns_progress.h", "ns_clock.h"];
const SANDBOX_LIBRARY = ["sandbox_plan.c", "sandbox_fs.c", "sandbox_child.c", "sandbox_spawn.c", "sandbox_observe.c", "sandbox_own.c", "sandbox_available.c"];
const LOCKDOWN_LIBRARY = ["lockdown.c", "lockdown_filter.c", "lockdown_report.c", "syscall_names.c"];
const TOOL_CFLAGS = ["-O2", "-std=gnu11"];
/** Written last: a tools directory without it is half built, or was removed under us. */
const READY = "tools.ready";
const BUILD_LIMIT_MS = 300_000;

function toolSources(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(RUNTIME_DIR).filter((n) => /\.(c|h)$/.test(n))) files[name] = runtimeFile(`runtime/${name}`);
  for (const name of SHARED_HEADERS) files[name] = runtimeFile(`c/${name}`);
  files["compare_main.c"] = runtimeFile("c/compare_main.c");
  return files;
}

const objects = (sources: readonly string[]) => sources.map((s) => s.replace(/\.c$/, ".o"));

const STEPS: ReadonlyArray<{ argv: string[]; what: string }> = [
  { argv: ["gcc", ...TOOL_CFLAGS, "-o", "sandbox_exec", "sandbox_exec.c", ...SANDBOX_LIBRARY], what: "sandbox_exec" },
  { argv: ["gcc", ...TOOL_CFLAGS, "-c", ...SANDBOX_LIBRARY, ...LOCKDOWN_LIBRARY], what: "the sandbox and lockdown libraries" },
  { argv: ["ar", "rcs", "libsandbox.a", ...objects(SANDBOX_LIBRARY)], what: "libsandbox.a" },
  { argv: ["ar", "rcs", "liblockdown.a", ...objects(LOCKDOWN_LIBRARY)], what: "liblockdown.a" },
  // The sandbox's user reads these through a read-only bind; nothing in them is secret.
  { argv: ["chmod", "-R", "a+rX", "."], what: "the tools' permissions" },
  { argv: ["touch", READY], what: "the tools' ready mark" },
];

async function step(executor: Executor, argv: string[], cwd: string, what: string): Promise<Extract<ExecResult, { kind: "exited" }>> {
  const r = await executor.exec({ argv, cwd, timeoutMs: BUILD_LIMIT_MS });
  if (r.kind === "infra") throw machineFault(`building nightshift's ${what}: ${r.cause}`, r.retryable);
  return r;
}

async function buildTools(executor: Executor): Promise<Tools> {
  const files = toolSources();
  const hash = createHash("sha256").update(JSON.stringify(Object.entries(files).sort())).digest("hex").slice(0, 12);
  const dir = await executor.stage(`tools-${hash}`, files);
  for (const s of STEPS) {
    const r = await step(executor, s.argv, dir, s.what);
    if (r.timedOut || r.exitCode !== 0) throw machineFault(`building nightshift's ${s.what} failed (exit ${r.exitCode}): ${tail(r.stderr + r.stdout, 1500)}`, r.timedOut);
  }
  const sandboxExec = `${dir}/sandbox_exec`;
  const probe = await step(executor, [sandboxExec, "--probe"], dir, "sandbox probe");
  const why = probe.stderr.trim().replace(/^sandbox_exec: /, "") || `exit ${probe.exitCode}`;
  return { dir, sandboxExec, sandbox: probe.exitCode === 0 ? { available: true } : { available: false, why } };
}

const built = new WeakMap<Executor, Promise<Tools>>();

async function stillThere(executor: Executor, tools: Tools): Promise<boolean> {
  try {
    await executor.readFile(`${tools.dir}/${READY}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tools on this executor's machine, built on first use. A failed build is tried again next time, and so
 * is one whose directory went away (a machine's temporary files cleaned under a long campaign).
 */
export async function toolsOn(executor: Executor): Promise<Tools> {
  const machine = executor.base ?? executor;
  const cached = built.get(machine);
  if (cached) {
    const tools = await cached.catch(() => null);
    if (tools && (await stillThere(executor, tools))) return tools;
    if (built.get(machine) === cached) built.delete(machine);
  }
  let tools = built.get(machine);
  if (!tools) {
    tools = buildTools(executor);
    built.set(machine, tools);
    tools.catch(() => built.delete(machine));
  }
  return tools;
}

/** Fills the tools directory into a plan command. */
export function withTools(argv: readonly string[], tools: Tools): string[] {
  return argv.map((a) => a.replaceAll(TOOLS_DIR, tools.dir));
}
