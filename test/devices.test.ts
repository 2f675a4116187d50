import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareLimits, parseTools, type DeviceReport } from "../cli/devices.ts";
import { hardwareProfileSchema } from "../hardware-profiles/schema.ts";
import { freePort } from "../testbed/procs.ts";
import { sshProfile, writeProfile } from "../testbed/remote-device.ts";
import { haveSshd, sshdSkipReason, startSshd, type SshdFixture } from "../testbed/sshd.ts";

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npx", ["tsx", "cli/main.ts", ...args], { cwd: new URL("..", import.meta.url).pathname, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("device limits against what the device reports", () => {
  it("reads nproc, gcc, nvcc and nvidia-smi lines and flags a GPU profile on a machine without that GPU", () => {
    const tools = parseTools("nproc=8\ngcc=12.2.0\nnvcc=13.0\ngpu=NVIDIA H200, 143771, 9.0\n");
    expect(tools).toEqual({ threads: 8, gcc: "12.2.0", nvcc: "13.0", gpus: [{ name: "NVIDIA H200", memoryMiB: 143771, computeCapability: "9.0" }] });
    const none = parseTools("nproc=2\ngcc=12.2.0\n");
    const gpuProfile = hardwareProfileSchema.parse({
      name: "g",
      kind: "gpu",
      reach: { via: "local" },
      gpu: {
        vendor: "nvidia", model: "NVIDIA H200", arch: "sm_90", computeCapability: "9.0", smCount: 132, warpSize: 32, maxThreadsPerBlock: 1024,
        maxThreadsPerSM: 2048, maxWarpsPerSM: 64, maxBlocksPerSM: 32, registersPerSM: 65536, maxRegistersPerThread: 255, maxRegistersPerBlock: 65536,
        registerAllocationUnit: 256, sharedMemoryPerSMBytes: 233472, maxSharedMemoryPerBlockBytes: 49152, maxSharedMemoryPerBlockOptinBytes: 232448,
        sharedMemoryAllocationUnitBytes: 128, reservedSharedMemoryPerBlockBytes: 1024, l2CacheBytes: 52428800, memoryBytes: 150323855360,
        memoryBandwidthGBs: 4800, peakTflops: { float32: 67 },
      },
    });
    expect(compareLimits(gpuProfile, tools).every((c) => c.ok)).toBe(true);
    const missing = compareLimits(gpuProfile, none);
    expect(missing.find((c) => c.what === "gpu.model")).toMatchObject({ ok: false, expected: "NVIDIA H200", received: "no GPU reported by nvidia-smi" });
    expect(missing.find((c) => c.what === "nvcc")).toMatchObject({ ok: false, received: "absent" });
  });
});

describe.skipIf(!haveSshd)(`nightshift devices check over a real sshd${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("reports an SSH device as reachable with its latency, gcc version and a thread-count mismatch", async () => {
    const honest = writeProfile(sshProfile(sshd, "honest"));
    const boastful = sshProfile(sshd, "boastful");
    const boastfulFile = writeProfile({ ...boastful, cpu: { ...boastful.cpu!, threads: 512 } });
    const result = await cli(["devices", "check", honest, boastfulFile, "--json"]);
    expect(result.code).toBe(1);
    const reports = JSON.parse(result.stdout) as DeviceReport[];
    const [ok, bad] = [reports.find((r) => r.device === "honest")!, reports.find((r) => r.device === "boastful")!];
    expect(ok).toMatchObject({ via: "ssh", reachable: true, ok: true, error: null });
    expect(ok.latencyMs).toBeGreaterThan(0);
    expect(ok.tools?.gcc).toMatch(/^\d+\.\d+/);
    expect(bad.reachable).toBe(true);
    expect(bad.checks.find((c) => c.what === "cpu.threads")).toMatchObject({ ok: false, expected: "512" });
  });

  it("reports a device whose port refuses connections as unreachable, with the reason, and exits 1", async () => {
    const port = await freePort();
    const file = writeProfile(sshProfile(sshd, "nobody-home", { port }));
    const result = await cli(["devices", "check", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("nobody-home (ssh): UNREACHABLE");
    expect(result.stdout).toMatch(/could not connect \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/);
  });
});
