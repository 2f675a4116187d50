// How a variant is judged, written once for every language and every executor:
//   tools     nightshift's trusted programs on the machine (tools.ts), and whether it can sandbox at all
//   plan      the language backend's plan (cases, buffers, limits, command lines)
//   stage     the variant's source with its generated headers in one directory, and a trusted directory
//             beside it for nightshift's own programs and the evidence, which the variant never sees
//   build     in the sandbox: compile the variant (its diagnostics are its compile_error), inspect its object
//             (symbol policy, no code before main), build the harness halves (their failure is the machine's),
//             link; a sanitized build too where the language has one. Outside it, in the trusted directory:
//             the monitor and the compare program, before the variant ever runs
//   run       the built variant under the backend's run (the monitor for C), then the sanitized build on the
//             verification sizes
//   reference the compare program on the evidence
//   interpret exit statuses, the run's report, the samples and verdict.json become exactly one EvalResult
// buildVariant may overlap with other work; measureVariant is what a device times, strictly one at a time
// (the scheduler in runners/ decides). Every failure becomes an EvalResult: an executor rejection, a failure of
// the trusted side and an exception after the variant ran become infra_error, never a verdict on the kernel.

import { randomInt } from "node:crypto";
import { constants } from "node:os";
import { isInfraFault, machineFault, type InfraFault } from "../core/infra-fault.ts";
import { log } from "../core/log.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { CompileFacts, Exited, LanguageBackend, RunEvidence, RunSetup, RunStep } from "./backend.ts";
import { backendFor } from "./backends.ts";
import { trustedFiles } from "./c/generate.ts";
import { checkSpecOnDevice } from "./device-fit.ts";
import { decodeSamples, interpretVerdict, parseJsonFile, tail, type MeasureContext, type Verdict } from "./interpret.ts";
import { FILES, type HarnessPlan, type TrustedBuild } from "./plan.ts";
import { classifyBuildFailure, failed as unfinished, trustedStepFault } from "./step-failure.ts";
import { parseNm, type SymbolVerdict } from "./symbols.ts";
import { toolsOn, withTools, type Tools } from "./tools.ts";
import type { BuildInfo, EvalResult, ExecRequest, ExecResult, Executor, GivenInputs, ResultCommon, Variant } from "./types.ts";
import { sha256 } from "./variant.ts";

export interface BuiltVariant {
  variant: Variant;
  /** The variant's work directory on the executor (its source, object and binaries; never any reference material). */
  dir: string;
  /** nightshift's directory for this variant: the monitor, the compare program and the evidence. */
  trustedDir: string;
  tools: Tools;
  plan: HarnessPlan;
  build: BuildInfo;
  definedSymbols: string[];
  calledSymbols: string[];
  /** Whether the sanitized build exists (the sanitizer run then follows the timed one). */
  sanitizedBuild: boolean;
  startedAt: string;
}

export type BuildOutcome = { kind: "built"; built: BuiltVariant } | { kind: "failed"; result: EvalResult };

export interface ProtocolOptions {
  /** The run-time seed; drawn at random (31 bits) when absent. Tests fix it to reproduce a case. */
  seed?: number;
  /**
   * Run untrusted code without namespaces on a machine that cannot make a sandbox (the user said so): the
   * monitor and the seccomp filter still judge every call, and every result says "unsandboxed".
   */
  unsandboxed?: boolean;
  /**
   * Verify these inputs at their size instead of the seeded cases (a proof's counterexample). The variant is
   * built, run and judged as always, but its only verification case reads these values from the trusted
   * directory, the timing phase is short, and there is no sanitizer run: the result says whether the output
   * is right for these inputs, and every result carries them (ResultCommon.givenInputs).
   */
  inputs?: GivenInputs;
}

/** One EvalResult variant without the fields every result shares (distributes over the union). */
type WithoutCommon<T> = T extends unknown ? Omit<T, keyof ResultCommon> : never;

/** Room an executor gives a sandboxed step beyond the sandbox's own limit, so the sandbox's verdict comes first. */
const SANDBOX_GRACE_MS = 30_000;

async function run(executor: Executor, request: ExecRequest): Promise<Exited> {
  let result: ExecResult;
  try {
    result = await executor.exec(request);
  } catch (error) {
    throw machineFault(`${executor.name}: ${(error as Error).message}`, true);
  }
  if (result.kind === "infra") throw machineFault(result.cause, result.retryable);
  return result;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** sandbox_exec's exit status in the executor's terms: 124 its time limit, 128+n a signal, 125 no sandbox (the machine's fault). */
function fromSandboxExec(r: Exited): Exited {
  if (r.exitCode === 124) return { ...r, exitCode: null, signal: "SIGKILL", timedOut: true };
  if (r.exitCode === 125) throw machineFault(`the sandbox could not start: ${tail(r.stderr, 500).trim()}`, false);
  if (r.exitCode !== null && r.exitCode > 128 && r.exitCode < 128 + 65) return { ...r, exitCode: null, signal: SIGNAL_NAMES.get(r.exitCode - 128) ?? `SIG${r.exitCode - 128}` };
  return r;
}

async function stage(executor: Executor, label: string, files: Record<string, string | Buffer>, what: string): Promise<string> {
  try {
    return await executor.stage(label, files);
  } catch (error) {
    throw machineFault(`${executor.name}: cannot stage ${what}: ${(error as Error).message}`, true);
  }
}

/** A file the variant never wrote is evidence (null); a read that failed for any other reason is the device's fault. */
async function readOptional(executor: Executor, path: string): Promise<Buffer | null> {
  try {
    return await executor.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === "ENOENT") return null;
    throw machineFault(`${executor.name}: cannot read ${path}: ${(error as Error)?.message ?? String(error)}`, true);
  }
}

async function readText(executor: Executor, path: string): Promise<string | null> {
  return (await readOptional(executor, path))?.toString("utf8") ?? null;
}

function commonFields(variant: Variant, device: HardwareProfile, startedAt: string, seed: number, build: BuildInfo | undefined, options: ProtocolOptions): ResultCommon {
  return {
    variantHash: variant.hash,
    device: device.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    seed,
    ...(build ? { build } : {}),
    ...(options.inputs ? { givenInputs: options.inputs } : {}),
  };
}

function infraResult(common: ResultCommon, fault: InfraFault): EvalResult {
  return { ...common, status: "infra_error", cause: fault.message, retryable: fault.retryable };
}

/**
 * Once the variant has run, an exception (a bug, or configuration no earlier check caught) must not throw
 * its evidence away with the batch: it becomes a recorded, non-retryable infra_error and the campaign goes on.
 */
function internalErrorResult(common: ResultCommon, error: unknown): EvalResult {
  const message = error instanceof Error ? error.message : String(error);
  log.error({ variantHash: common.variantHash, device: common.device, err: error }, "internal error while measuring a variant");
  return { ...common, status: "infra_error", cause: `internal error: ${message}`, retryable: false };
}

/** The machine's tools, and a refusal when it cannot sandbox and the user did not allow running untrusted code without one. */
async function toolsFor(executor: Executor, device: HardwareProfile, options: ProtocolOptions): Promise<Tools> {
  const tools = await toolsOn(executor);
  if (!tools.sandbox.available && !options.unsandboxed) {
    throw machineFault(
      `${device.name} cannot sandbox untrusted code (${tools.sandbox.why}); nightshift refuses to run variants there unless you pass --unsandboxed, and then every result says "unsandboxed"`,
      false,
    );
  }
  return tools;
}

/** Commands in the variant's directory: in the sandbox (only that directory writable, the tools read-only) unless the user allowed otherwise. */
function sandboxFor(tools: Tools, dir: string, unsandboxed: boolean, buildMs: number): RunSetup["sandboxed"] {
  return (argv, options = {}) => {
    const filled = withTools(argv, tools);
    if (unsandboxed) return filled;
    return [
      tools.sandboxExec,
      "--workdir", dir,
      "--own-workdir",
      "--ro", tools.dir,
      ...(options.readOnly ?? []).flatMap((path) => ["--ro", path]),
      "--env", "TMPDIR=/work",
      "--env", "PATH=/usr/local/cuda/bin:/usr/local/bin:/usr/bin:/bin",
      ...(options.gpu ? ["--gpu"] : []),
      "--time-limit-ms", String(options.timeLimitMs ?? buildMs),
      "--",
      ...filled,
    ];
  };
}

interface BuildContext {
  executor: Executor;
  plan: HarnessPlan;
  dir: string;
  sandboxed: RunSetup["sandboxed"];
  unsandboxed: boolean;
}

/** A command of the build in the variant's directory, sandboxed. */
async function inSandbox(b: BuildContext, argv: string[]): Promise<Exited> {
  const r = await run(b.executor, { argv: b.sandboxed(argv), cwd: b.dir, timeoutMs: b.plan.limits.buildMs + SANDBOX_GRACE_MS });
  return b.unsandboxed ? r : fromSandboxExec(r);
}

/**
 * nightshift's own sources compiled: beside the variant in its sandbox (the worker, the harness halves), or
 * outside it in the trusted directory (`outside`: the monitor, the compare program). A failure is never the variant's.
 */
async function ownBuilds(b: BuildContext, steps: readonly TrustedBuild[], outside?: { cwd: string; tools: Tools }): Promise<void> {
  for (const step of steps) {
    const r = outside ? await run(b.executor, { argv: withTools(step.argv, outside.tools), cwd: outside.cwd, timeoutMs: b.plan.limits.buildMs }) : await inSandbox(b, step.argv);
    if (unfinished(r)) throw trustedStepFault(`compiling ${step.what} (a nightshift bug or a broken toolchain)`, r, b.plan.limits.buildMs);
  }
}

type Compiled =
  | { kind: "compiled"; facts: CompileFacts; symbols: SymbolVerdict & { ok: true }; log: string }
  | { kind: "refused"; result: WithoutCommon<EvalResult>; facts: CompileFacts; log: string; symbols?: SymbolVerdict };

/** The variant's own compile and the checks on its object: the steps whose failures are the variant's. */
async function compileStep(b: BuildContext, backend: LanguageBackend, variant: Variant): Promise<Compiled> {
  const noFacts: CompileFacts = { stats: {}, details: {}, notes: [] };
  const compiled = await inSandbox(b, b.plan.commands.compileVariant);
  const log = compiled.stdout + compiled.stderr;
  if (compiled.timedOut) return { kind: "refused", result: { status: "timeout", limitMs: b.plan.limits.buildMs, phase: "build" }, facts: noFacts, log };
  if (unfinished(compiled)) {
    const why = classifyBuildFailure(b.plan.commands.compileVariant[0]!, compiled);
    if (why.kind === "infra") throw why.fault;
    return { kind: "refused", result: { status: "compile_error", log: why.log }, facts: noFacts, log };
  }
  const facts = backend.compileFacts(b.plan, log);
  const object = await readOptional(b.executor, `${b.dir}/${FILES.variantObject}`);
  if (object) facts.stats = { ...facts.stats, objectBytes: object.length };
  const nm = await inSandbox(b, b.plan.commands.listSymbols);
  if (nm.exitCode !== 0) throw machineFault(`nm failed on ${FILES.variantObject}: ${tail(nm.stderr, 500)}`, false);
  const symbols = backend.checkSymbols(b.plan, variant.spec, parseNm(nm.stdout));
  if (!symbols.ok) {
    const result: WithoutCommon<EvalResult> =
      symbols.kind === "kernel_missing" ? { status: "compile_error", log: symbols.detail } : { status: "rejected", reason: "forbidden_symbol", detail: symbols.detail };
    return { kind: "refused", result, facts, log, symbols };
  }
  const readelf = await inSandbox(b, b.plan.commands.listSections);
  if (readelf.exitCode !== 0) throw machineFault(`readelf failed on ${FILES.variantObject}: ${tail(readelf.stderr, 500)}`, false);
  const sections = backend.checkSections(readelf.stdout);
  if (!sections.ok) return { kind: "refused", result: { status: "rejected", reason: "forbidden_symbol", detail: sections.detail }, facts, log, symbols };
  return { kind: "compiled", facts, symbols, log };
}

/** The sanitized build: a failure only means the variant goes without the sanitizer's evidence. */
async function sanitizedBuild(b: BuildContext): Promise<boolean> {
  const sanitized = b.plan.commands.sanitized;
  if (!sanitized) return false;
  const compiled = await inSandbox(b, sanitized.compile);
  if (unfinished(compiled)) return false;
  await ownBuilds(b, [sanitized.harness]);
  return !unfinished(await inSandbox(b, sanitized.link));
}

/** Compiles the variant, applies the checks on its object, links it with the harness, and builds nightshift's programs beside it. */
export async function buildVariant(executor: Executor, variant: Variant, device: HardwareProfile, options: ProtocolOptions = {}): Promise<BuildOutcome> {
  checkSpecOnDevice(variant.spec, device);
  const backend = backendFor(variant.spec);
  const startedAt = new Date().toISOString();
  const plan = backend.plan(variant.spec, variant.params, device, options.inputs ? { inputs: options.inputs } : {});
  const t0 = performance.now();
  let facts: Pick<BuildInfo, "stats" | "occupancy"> = { stats: {} };
  const info = (): BuildInfo => ({ compiledSourceHash: sha256(variant.source), command: plan.commands.compileVariant, buildMs: performance.now() - t0, ...facts });
  const failed = (result: WithoutCommon<EvalResult>): BuildOutcome => ({
    kind: "failed",
    result: { ...commonFields(variant, device, startedAt, 0, info(), options), ...result } as EvalResult,
  });
  let dir: string | null = null;
  let trustedDir: string | null = null;
  try {
    const tools = await toolsFor(executor, device, options);
    const unsandboxed = !tools.sandbox.available;
    dir = await stage(executor, `variant-${variant.hash}`, { [backend.variantSource]: variant.source, ...backend.harnessFiles(plan) }, "the variant");
    const b: BuildContext = { executor, plan, dir, sandboxed: sandboxFor(tools, dir, unsandboxed, plan.limits.buildMs), unsandboxed };
    const compiled = await compileStep(b, backend, variant);
    facts = { stats: compiled.facts.stats, ...(compiled.facts.occupancy ? { occupancy: compiled.facts.occupancy } : {}) };
    if (compiled.kind === "refused") return failed(compiled.result);

    await ownBuilds(b, plan.commands.harness);
    const linked = await inSandbox(b, plan.commands.link);
    if (linked.timedOut) return failed({ status: "timeout", limitMs: plan.limits.buildMs, phase: "build" });
    if (unfinished(linked)) {
      const why = classifyBuildFailure("the linker", linked);
      if (why.kind === "infra") throw why.fault;
      return failed({ status: "compile_error", log: why.log });
    }
    const sanitized = await sanitizedBuild(b);
    // Built from nightshift's sources alone, before the variant runs, where it never looks.
    trustedDir = await stage(executor, `trusted-${variant.hash}`, trustedFiles(plan, variant.spec.referenceSource), "nightshift's programs");
    await ownBuilds(b, plan.commands.trusted, { cwd: trustedDir, tools });
    const built: BuiltVariant = {
      variant,
      dir,
      trustedDir,
      tools,
      plan,
      build: info(),
      definedSymbols: compiled.symbols.defined,
      calledSymbols: compiled.symbols.called,
      sanitizedBuild: sanitized,
      startedAt,
    };
    dir = null; // both handed over to the caller, who discards them after measuring
    trustedDir = null;
    return { kind: "built", built };
  } catch (fault) {
    if (!isInfraFault(fault)) throw fault;
    return { kind: "failed", result: infraResult(commonFields(variant, device, startedAt, 0, info(), options), fault) };
  } finally {
    if (dir) await executor.remove(dir).catch(() => undefined);
    if (trustedDir) await executor.remove(trustedDir).catch(() => undefined);
  }
}

async function runEvidence(executor: Executor, step: RunStep, exited: Exited): Promise<RunEvidence> {
  const report = parseJsonFile<unknown>(await readText(executor, `${step.evidenceDir}/${FILES.harnessReport}`));
  const lastStep = (await readText(executor, `${step.evidenceDir}/${FILES.progress}`))?.trim().split("\n").pop() ?? "";
  const output = (await readText(executor, `${step.evidenceDir}/${FILES.workerOutput}`)) ?? exited.stderr;
  return { report, lastStep, output };
}

/** Runs one of the backend's run steps (a sandbox_exec step's exit status read as such). */
async function runStep(executor: Executor, step: RunStep, setup: RunSetup): Promise<{ exited: Exited; evidence: RunEvidence }> {
  const raw = await run(executor, { argv: step.argv, cwd: step.cwd, timeoutMs: step.timeoutMs, ...(step.memoryLimitMb !== undefined ? { memoryLimitMb: step.memoryLimitMb } : {}) });
  const exited = step.argv[0] === setup.tools.sandboxExec ? fromSandboxExec(raw) : raw;
  return { exited, evidence: await runEvidence(executor, step, exited) };
}

/** Runs the variant, then its sanitized build, then the compare program on the evidence, and interprets them. */
export async function measureVariant(executor: Executor, built: BuiltVariant, device: HardwareProfile, options: ProtocolOptions = {}): Promise<EvalResult> {
  const { variant, dir, plan } = built;
  const backend = backendFor(variant.spec);
  const seed = options.seed ?? randomInt(1, 2 ** 31);
  const unsandboxed = !built.tools.sandbox.available;
  const common = () => commonFields(variant, device, built.startedAt, seed, built.build, options);
  // Given inputs were staged with nightshift's programs, where the variant never looks.
  const inputsDir = plan.given ? `${built.trustedDir}/${FILES.givenInputs}` : undefined;
  const ctx = (): MeasureContext => ({
    common: common(),
    spec: variant.spec,
    params: variant.params,
    device,
    plan,
    definedSymbols: built.definedSymbols,
    calledSymbols: built.calledSymbols,
  });
  const setup: RunSetup = {
    plan,
    seed,
    variantDir: dir,
    trustedDir: built.trustedDir,
    tools: built.tools,
    unsandboxed,
    ...(inputsDir ? { inputsDir } : {}),
    sandboxed: sandboxFor(built.tools, dir, unsandboxed, plan.limits.buildMs),
  };
  try {
    const step = backend.run(setup);
    const timed = await runStep(executor, step, setup);
    const early = backend.interpretRun(ctx(), timed.exited, timed.evidence);
    const sanitize = async (): Promise<EvalResult | "clean" | "inconclusive"> => {
      // A run on given inputs asks one question, whether the output is right for them; the sanitizer judged
      // the variant on its own cases when it was explored.
      if (!built.sanitizedBuild || !backend.sanitizerRun || plan.given) return "inconclusive";
      const sanitizer = await runStep(executor, backend.sanitizerRun(setup), setup);
      const found = backend.interpretRun(ctx(), sanitizer.exited, sanitizer.evidence);
      if (found === null) return "clean";
      // What the sanitizer finds is the kernel's; a sanitized run that only ran out of time proves nothing either way.
      if (found.status === "timeout" || found.status === "infra_error") return "inconclusive";
      return found.status === "runtime_error" ? { ...common(), status: "rejected", reason: "memory_error", detail: `the sanitized build failed on the verification sizes: ${found.stderrTail}` } : found;
    };
    if (early) {
      // A kernel that died of a bad address gets the sanitizer's diagnosis where the sanitizer can give one.
      if (early.status === "runtime_error" && (early.signal === "SIGSEGV" || early.signal === "SIGBUS")) {
        const diagnosis = await sanitize();
        if (typeof diagnosis !== "string" && diagnosis.status === "rejected") return withIsolation(diagnosis, unsandboxed);
      }
      return withIsolation(early, unsandboxed);
    }
    const sanitizerVerdict = await sanitize();
    if (typeof sanitizerVerdict !== "string") return withIsolation(sanitizerVerdict, unsandboxed);
    const sanitized = sanitizerVerdict === "clean";
    const samples = decodeSamples((await readOptional(executor, `${step.evidenceDir}/${FILES.samples}`)) ?? Buffer.alloc(0));
    const timing = parseJsonFile<unknown>(await readText(executor, `${step.evidenceDir}/${FILES.timing}`));
    // The compare program was built before the variant ran; it reads the evidence, never the variant's directory.
    const compareArgv = [`${built.trustedDir}/${FILES.compareBinary}`, String(seed), step.evidenceDir, ...(inputsDir ? ["--inputs", inputsDir] : [])];
    const compared = await run(executor, { argv: compareArgv, cwd: built.trustedDir, timeoutMs: plan.limits.referenceMs });
    if (unfinished(compared)) throw trustedStepFault("the compare program (the spec's reference)", compared, plan.limits.referenceMs);
    const verdict = parseJsonFile<Verdict>(await readText(executor, `${built.trustedDir}/${FILES.verdict}`));
    if (!verdict) throw machineFault("the compare program finished without a readable verdict.json", false);
    const result = interpretVerdict(ctx(), verdict, backend.sharedReport(timed.evidence, timing), samples, timed.exited.wallMs);
    if (result.status !== "ok") return withIsolation(result, unsandboxed);
    return { ...result, verification: { ...result.verification, isolation: unsandboxed ? "unsandboxed" : "sandboxed", sanitized } };
  } catch (fault) {
    return isInfraFault(fault) ? infraResult(common(), fault) : internalErrorResult(common(), fault);
  }
}

/** A verdict from an unsandboxed run says so, whatever it is. */
function withIsolation(result: EvalResult, unsandboxed: boolean): EvalResult {
  if (!unsandboxed || result.status === "ok") return result;
  if (result.status === "rejected") return { ...result, detail: `${result.detail} (unsandboxed run)` };
  return result;
}

/** Removes a built variant's directories. */
export async function discardBuild(executor: Executor, built: BuiltVariant): Promise<void> {
  await executor.remove(built.dir).catch(() => undefined);
  await executor.remove(built.trustedDir).catch(() => undefined);
}

/** Build, measure and clean up one variant: the whole protocol for callers that need no overlap. */
export async function evaluateVariant(executor: Executor, variant: Variant, device: HardwareProfile, options: ProtocolOptions = {}): Promise<EvalResult> {
  const outcome = await buildVariant(executor, variant, device, options);
  if (outcome.kind === "failed") return outcome.result;
  try {
    return await measureVariant(executor, outcome.built, device, options);
  } finally {
    await discardBuild(executor, outcome.built);
  }
}

export interface CompileOnlyOutcome {
  /** ok: built and the checks hold; compile_error: the compiler refused; rejected: built but breaks the symbol policy. */
  status: "ok" | "compile_error" | "rejected";
  build: BuildInfo;
  facts: CompileFacts;
  /** Everything the compiler printed (for CUDA, the raw ptxas report). */
  log: string;
  symbols?: SymbolVerdict;
  detail?: string;
}

/**
 * The build steps whose outcome is the variant's (compile, compiler report, checks on its object) without
 * linking or running: answers "will this fit, and how well" on a machine that has the compiler but not the
 * device. Throws the infrastructure fault when the machine, not the source, stopped the build.
 */
export async function compileOnlyStep(executor: Executor, variant: Variant, device: HardwareProfile, options: ProtocolOptions = {}): Promise<CompileOnlyOutcome> {
  const backend = backendFor(variant.spec);
  const plan = backend.plan(variant.spec, variant.params, device);
  const t0 = performance.now();
  const tools = await toolsFor(executor, device, options);
  const unsandboxed = !tools.sandbox.available;
  const dir = await stage(executor, `compile-${variant.hash}`, { [backend.variantSource]: variant.source }, "the variant");
  try {
    const b: BuildContext = { executor, plan, dir, sandboxed: sandboxFor(tools, dir, unsandboxed, plan.limits.buildMs), unsandboxed };
    const compiled = await compileStep(b, backend, variant);
    const build: BuildInfo = {
      compiledSourceHash: sha256(variant.source),
      command: plan.commands.compileVariant,
      buildMs: performance.now() - t0,
      stats: compiled.facts.stats,
      ...(compiled.facts.occupancy ? { occupancy: compiled.facts.occupancy } : {}),
    };
    if (compiled.kind === "compiled") return { status: "ok", build, facts: compiled.facts, log: compiled.log, symbols: compiled.symbols };
    const status = compiled.result.status === "rejected" ? "rejected" : "compile_error";
    const detail = compiled.result.status === "rejected" ? compiled.result.detail : compiled.result.status === "timeout" ? `the compiler did not finish within ${plan.limits.buildMs} ms` : undefined;
    return { status, build, facts: compiled.facts, log: compiled.log, ...(compiled.symbols ? { symbols: compiled.symbols } : {}), ...(detail ? { detail } : {}) };
  } finally {
    await executor.remove(dir).catch(() => undefined);
  }
}
