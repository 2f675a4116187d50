// nightshift devices check [NAME|FILE...] [--json]: for each device, whether it answers, how fast, which
// tools it has (gcc, nvcc, nvidia-smi's GPUs) and whether the profile's limits match what it reports.
// Exit code 1 when any device is unreachable or disagrees with its profile.

import type { Command } from "commander";
import { loadProfiles } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { ExecResult, Executor } from "../harness/types.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { SlurmExecutor } from "../runners/slurm-executor.ts";
import { SshExecutor } from "../runners/ssh-executor.ts";

/** One fixed script: every tool is optional, each answer is one tagged line. */
export const TOOLS_SCRIPT = [
  'echo "nproc=$(nproc 2>/dev/null)"',
  'command -v gcc >/dev/null 2>&1 && echo "gcc=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"',
  'NVCC=$(command -v nvcc || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })',
  '[ -n "$NVCC" ] && echo "nvcc=$("$NVCC" --version | sed -n "s/.*release \\([0-9.]*\\).*/\\1/p")"',
  'command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total,compute_cap --format=csv,noheader,nounits 2>/dev/null | sed "s/^/gpu=/"',
  "exit 0",
].join("\n");

export interface DeviceTools {
  threads: number | null;
  gcc: string | null;
  nvcc: string | null;
  gpus: Array<{ name: string; memoryMiB: number; computeCapability: string }>;
}

export function parseTools(stdout: string): DeviceTools {
  const tools: DeviceTools = { threads: null, gcc: null, nvcc: null, gpus: [] };
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === "nproc" && /^\d+$/.test(value)) tools.threads = Number(value);
    else if (key === "gcc" && value) tools.gcc = value;
    else if (key === "nvcc" && value) tools.nvcc = value;
    else if (key === "gpu") {
      const [name, memory, cc] = value.split(",").map((s) => s.trim());
      if (name) tools.gpus.push({ name, memoryMiB: Number(memory), computeCapability: cc ?? "" });
    }
  }
  return tools;
}

export interface LimitCheck {
  what: string;
  expected: string;
  received: string;
  ok: boolean;
}

/** The profile's claims against what the device reports. */
export function compareLimits(profile: HardwareProfile, tools: DeviceTools): LimitCheck[] {
  const checks: LimitCheck[] = [];
  if (profile.cpu) {
    checks.push({ what: "cpu.threads", expected: String(profile.cpu.threads), received: String(tools.threads ?? "unknown"), ok: tools.threads === profile.cpu.threads });
  }
  if (profile.gpu) {
    const gpu = profile.gpu;
    const match = tools.gpus.find((g) => g.name === gpu.model) ?? tools.gpus[0];
    checks.push({ what: "gpu.model", expected: gpu.model, received: match?.name ?? "no GPU reported by nvidia-smi", ok: match?.name === gpu.model });
    if (match) {
      checks.push({ what: "gpu.computeCapability", expected: gpu.computeCapability, received: match.computeCapability, ok: match.computeCapability === gpu.computeCapability });
      // nvidia-smi reports usable memory, a little below the marketing size: allow 5%.
      const reported = match.memoryMiB * 1024 * 1024;
      checks.push({ what: "gpu.memoryBytes", expected: String(gpu.memoryBytes), received: String(reported), ok: Math.abs(reported - gpu.memoryBytes) <= 0.05 * gpu.memoryBytes });
    }
  }
  if (profile.kind === "gpu") checks.push({ what: "nvcc", expected: "installed", received: tools.nvcc ?? "absent", ok: tools.nvcc !== null });
  if (profile.kind === "cpu") checks.push({ what: "gcc", expected: "installed", received: tools.gcc ?? "absent", ok: tools.gcc !== null });
  return checks;
}

export interface DeviceReport {
  device: string;
  via: string;
  reachable: boolean;
  /** One command's round trip once connected, in ms. */
  latencyMs: number | null;
  /** The first command, connection included, in ms. */
  firstContactMs: number | null;
  error: string | null;
  tools: DeviceTools | null;
  checks: LimitCheck[];
  ok: boolean;
}

function executorFor(profile: HardwareProfile): Executor | null {
  const reach = profile.reach;
  switch (reach.via) {
    case "local":
      return new LocalExecutor();
    case "ssh":
      return new SshExecutor(reach, { pool: { connectAttempts: 1 } });
    case "slurm":
      return new SlurmExecutor(reach, { maxQueueWaitMs: 120_000 });
    case "replay":
      return null;
  }
}

const failure = (r: ExecResult) => (r.kind === "infra" ? r.cause : `exit ${r.exitCode}${r.signal ? ` (${r.signal})` : ""}: ${r.stderr.trim().slice(-200)}`);

export async function checkDevice(profile: HardwareProfile): Promise<DeviceReport> {
  const report: DeviceReport = { device: profile.name, via: profile.reach.via, reachable: false, latencyMs: null, firstContactMs: null, error: null, tools: null, checks: [], ok: false };
  const executor = executorFor(profile);
  if (!executor) {
    report.reachable = true;
    report.ok = true;
    report.error = "replay profile: nothing to reach";
    return report;
  }
  try {
    const dir = await executor.stage("devices-check", { "tools.sh": TOOLS_SCRIPT });
    const request = { cwd: dir, timeoutMs: 60_000 };
    let started = performance.now();
    const first = await executor.exec({ ...request, argv: ["true"] });
    report.firstContactMs = Math.round(performance.now() - started);
    if (first.kind !== "exited" || first.exitCode !== 0) throw new Error(failure(first));
    started = performance.now();
    await executor.exec({ ...request, argv: ["true"] });
    report.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    report.reachable = true;
    const tools = await executor.exec({ ...request, argv: ["sh", "tools.sh"] });
    if (tools.kind !== "exited" || tools.exitCode !== 0) throw new Error(failure(tools));
    report.tools = parseTools(tools.stdout);
    report.checks = compareLimits(profile, report.tools);
    report.ok = report.checks.every((c) => c.ok);
    await executor.remove(dir).catch(() => {});
  } catch (error) {
    report.error = (error as Error).message;
  } finally {
    await executor.close().catch(() => {});
  }
  return report;
}

function describe(report: DeviceReport): string {
  const lines = [`${report.device} (${report.via}): ${report.ok ? "ok" : report.reachable ? "MISMATCH" : "UNREACHABLE"}`];
  if (report.error) lines.push(`  ${report.error}`);
  if (report.reachable && report.latencyMs !== null) lines.push(`  latency ${report.latencyMs} ms per command (first contact ${report.firstContactMs} ms)`);
  if (report.tools) {
    lines.push(`  gcc ${report.tools.gcc ?? "absent"}, nvcc ${report.tools.nvcc ?? "absent"}, ${report.tools.threads ?? "?"} hardware threads`);
    for (const gpu of report.tools.gpus) lines.push(`  GPU ${gpu.name}, ${gpu.memoryMiB} MiB, compute capability ${gpu.computeCapability}`);
    if (report.tools.gpus.length === 0) lines.push("  no GPU reported (nvidia-smi absent or found none)");
  }
  for (const c of report.checks) lines.push(`  ${c.ok ? "ok      " : "MISMATCH"} ${c.what}: profile says ${c.expected}, device reports ${c.received}`);
  return lines.join("\n");
}

export function registerDevices(program: Command): void {
  const devices = program.command("devices").description("inspect the devices nightshift can run on");
  devices
    .command("check")
    .description("check that devices answer and that their profiles match what they report")
    .argument("[devices...]", 'profile names or files (default: "local")')
    .option("--json", "print a JSON array of reports")
    .action(async (names: string[], flags: { json?: boolean }) => {
      const profiles = await loadProfiles((names.length > 0 ? names : ["local"]).join(","));
      const reports = await Promise.all(profiles.map((p) => checkDevice(p)));
      process.stdout.write(flags.json ? `${JSON.stringify(reports, null, 2)}\n` : `${reports.map(describe).join("\n\n")}\n`);
      if (reports.some((r) => !r.ok)) process.exitCode = 1;
    });
}
