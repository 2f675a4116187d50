// proveInSandbox: the proof as an untrusted run, in the same sandbox as every compile and run of a variant.
// The proof reads the variant's text with the real preprocessor (its #include, its macros) and interprets
// it, so it runs as its own process (main.ts, bundled by bundle.ts) under sandbox_exec: only a fresh work
// folder writable, the bundle read-only, no network, a wall-clock limit, V8's heap limit. One proof at a
// time per nightshift process: each may use gigabytes and every core it gets.
//
// Whatever stops the machinery (no sandbox, a limit, a crash) is an unproven verdict with the reason, never
// an exception; `transient` marks the ones that say nothing about the variant, worth trying again later.

import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { toolsOn, type Tools } from "../harness/tools.ts";
import type { Executor, ExecResult } from "../harness/types.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { BUNDLE_FILE, proofBundle } from "./bundle.ts";
import { compilerPreprocessor } from "./preprocess.ts";
import { DEFAULT_LIMITS, proveVariant } from "./prove.ts";
import type { SandboxAnswer, SandboxRequest } from "./sandbox-request.ts";
import type { ProofLimits, ProofRequest, ProofVerdict } from "./types.ts";

export interface SandboxOptions {
  /** The user allowed untrusted code without a sandbox (--unsandboxed): where none can be made, prove in-process. */
  readonly unsandboxed?: boolean;
  /** The GPU architecture a CUDA variant is built for (it decides __CUDA_ARCH__ in nvcc -E). */
  readonly cudaArch?: string;
}

/** Room beyond the sandbox's own limit before the executor kills it, so the sandbox's verdict comes first. */
const GRACE_MS = 30_000;
/** The interpreter recurses deeply (nested expressions, calls): V8's stack, and the thread stack under it. */
const STACK_KB = 30_000;
const THREAD_STACK_KB = 65_536;
const STACK_EXIT = 97;
const SANDBOX_TIMEOUT_EXIT = 124;
const SANDBOX_SETUP_EXIT = 125;

let shared: LocalExecutor | undefined;

/** One executor for every proof of this process (the tools are built once per executor); its folder goes when the process does. */
function executor(): LocalExecutor {
  if (!shared) {
    const made = new LocalExecutor();
    shared = made;
    void made.rootDir().then((root) => process.once("exit", () => rmSync(root, { recursive: true, force: true })));
  }
  return shared;
}

let queue: Promise<unknown> = Promise.resolve();

/** Proves `request` in the sandbox; `request.preprocess` is not used (the preprocessor runs inside, with this machine's compilers). */
export function proveInSandbox(request: ProofRequest, limits: ProofLimits = {}, options: SandboxOptions = {}): Promise<ProofVerdict> {
  const next = queue.then(() => proveOne(request, limits, options));
  queue = next.catch(() => undefined);
  return next;
}

function unproven(reason: string, start: number, transient = false): ProofVerdict {
  return { status: "unproven", reason, ms: Math.round(performance.now() - start), ...(transient ? { transient: true } : {}) };
}

async function proveOne(request: ProofRequest, limits: ProofLimits, options: SandboxOptions): Promise<ProofVerdict> {
  const start = performance.now();
  const lim: Required<ProofLimits> = { ...DEFAULT_LIMITS, ...limits };
  const ex = executor();
  let tools: Tools;
  try {
    tools = await toolsOn(ex);
  } catch (error) {
    return unproven(`the sandbox's tools could not be built: ${(error as Error).message}`, start, true);
  }
  if (!tools.sandbox.available) {
    if (options.unsandboxed) {
      const { preprocess: _ignored, ...rest } = request;
      return proveVariant({ ...rest, ...(options.cudaArch !== undefined ? { preprocess: compilerPreprocessor({ cudaArch: options.cudaArch }) } : {}) }, limits);
    }
    return unproven(`no sandbox on this machine (${tools.sandbox.why}); a campaign run with --unsandboxed proves without one`, start, true);
  }
  let bundle: string;
  try {
    bundle = await proofBundle();
  } catch (error) {
    return unproven(`the proof program could not be bundled: ${(error as Error).message}`, start, true);
  }
  const readOnly = [bundle];
  const node = process.execPath;
  // /usr is in every sandbox's view; a Node installed elsewhere is shown read-only, unless it is under the
  // sandbox's own mount point, which it cannot show.
  if (!node.startsWith("/usr/")) {
    if (node === "/work" || node.startsWith("/work/")) return unproven(`node (${node}) lives under /work, which the sandbox cannot show`, start, true);
    readOnly.push(dirname(node));
  }
  const body: SandboxRequest = {
    spec: request.spec,
    params: request.params,
    variantSource: request.variantSource,
    ...(request.sizes ? { sizes: request.sizes } : {}),
    ...(request.bound !== undefined ? { bound: request.bound } : {}),
    ...(options.cudaArch !== undefined ? { cudaArch: options.cudaArch } : {}),
    timeMs: lim.timeMs,
    steps: lim.steps,
    seed: lim.seed,
  };
  let dir: string;
  try {
    dir = await ex.stage("proof", { "request.json": JSON.stringify(body) });
  } catch (error) {
    return unproven(`the proof could not be staged: ${(error as Error).message}`, start, true);
  }
  try {
    const argv = [
      tools.sandboxExec,
      "--workdir", dir,
      "--own-workdir",
      ...readOnly.flatMap((path) => ["--ro", path]),
      "--env", "TMPDIR=/work",
      "--env", "HOME=/work",
      "--env", "PATH=/usr/local/cuda/bin:/usr/local/bin:/usr/bin:/bin",
      "--time-limit-ms", String(lim.timeMs),
      "--",
      "/bin/sh", "-c", `ulimit -s ${THREAD_STACK_KB} || exit ${STACK_EXIT}; exec "$0" "$@"`,
      node, `--max-old-space-size=${lim.heapMb}`, `--stack-size=${STACK_KB}`, `${bundle}/${BUNDLE_FILE}`, "/work/request.json",
    ];
    const result = await ex.exec({ argv, cwd: dir, timeoutMs: lim.timeMs + GRACE_MS });
    return verdictOf(result, lim, start);
  } finally {
    await ex.remove(dir).catch(() => undefined);
  }
}

function verdictOf(result: ExecResult, lim: Required<ProofLimits>, start: number): ProofVerdict {
  if (result.kind === "infra") return unproven(`the proof could not be run: ${result.cause}`, start, true);
  const tail = result.stderr.trim().split("\n").slice(-4).join(" | ").slice(0, 600);
  if (result.timedOut || result.exitCode === SANDBOX_TIMEOUT_EXIT) return unproven(`time limit: the proof did not finish within ${lim.timeMs} ms`, start);
  if (/heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/.test(result.stderr)) {
    return unproven(`memory limit: the proof needed more than ${lim.heapMb} MiB`, start);
  }
  if (result.exitCode === SANDBOX_SETUP_EXIT) return unproven(`the sandbox could not start: ${tail}`, start, true);
  if (result.exitCode === STACK_EXIT) return unproven(`the sandbox refused a ${THREAD_STACK_KB / 1024} MiB stack for the proof`, start, true);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  let answer: SandboxAnswer | undefined;
  try {
    answer = JSON.parse(line) as SandboxAnswer;
  } catch {
    answer = undefined;
  }
  if (result.exitCode !== 0 || answer === undefined || typeof answer !== "object" || answer === null) {
    const how = result.signal !== null ? `signal ${result.signal}` : `exit ${result.exitCode}`;
    // SIGKILL (sandbox_exec reports its child's as exit 128 + 9) comes from outside, such as the kernel's OOM
    // killer on a crowded machine: none of the limits above was hit, so it says nothing about the variant.
    const killed = result.signal === "SIGKILL" || result.exitCode === 128 + 9;
    return unproven(`the proof process failed (${how})${tail ? `: ${tail}` : ""}`, start, killed);
  }
  if ("error" in answer) return unproven(`the interpreter failed: ${answer.error}`, start);
  return { ...answer.verdict, ms: Math.round(performance.now() - start), cpuMs: answer.cpuMs } as ProofVerdict;
}
