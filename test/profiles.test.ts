import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { calibrate } from "../hardware-profiles/calibrate.ts";
import { cacheKey, derivePeaks, detectLocalProfile, localCacheFile, parseCacheSize, PEAK_SAFETY_FACTOR, readCpuFacts, type CpuFacts } from "../hardware-profiles/detect-local.ts";
import { loadProfile, loadProfiles, shippedProfileNames } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";

const scratch = mkdtempSync(join(tmpdir(), "nightshift-profiles-"));
const savedCacheDir = process.env.NIGHTSHIFT_CACHE_DIR;
beforeAll(() => {
  process.env.NIGHTSHIFT_CACHE_DIR = join(scratch, "cache");
});
afterAll(() => {
  if (savedCacheDir === undefined) delete process.env.NIGHTSHIFT_CACHE_DIR;
  else process.env.NIGHTSHIFT_CACHE_DIR = savedCacheDir;
  rmSync(scratch, { recursive: true, force: true });
});

let files = 0;
function profileFile(content: unknown, name = `profile-${files++}.json`, dir = scratch): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

async function rejection(action: Promise<unknown>): Promise<NightshiftError> {
  try {
    await action;
  } catch (error) {
    expect(error).toBeInstanceOf(NightshiftError);
    expect((error as Error).message).not.toContain("\n");
    return error as NightshiftError;
  }
  throw new Error("expected a NightshiftError, but the profile loaded");
}

const h200Text = () => JSON.parse(readFileSync(join(import.meta.dirname, "..", "hardware-profiles", "h200.json"), "utf8"));

describe("shipped GPU profiles", () => {
  it("are listed by name", () => {
    expect(shippedProfileNames()).toEqual(expect.arrayContaining(["a100", "h100-sxm", "h200"]));
  });

  it.each([
    ["h100-sxm", "sm_90", 132, 3350],
    ["h200", "sm_90", 132, 4800],
    ["a100", "sm_80", 108, 2039],
  ])("%s loads with its architecture, SM count and bandwidth", async (name, arch, sms, bandwidth) => {
    const profile = await loadProfile(name);
    expect(profile.name).toBe(name);
    expect(profile.kind).toBe("gpu");
    expect(profile.reach).toEqual({ via: "local", builds: 2, timing: "exclusive" });
    expect(profile.gpu!.arch).toBe(arch);
    expect(profile.gpu!.computeCapability).toBe(arch === "sm_90" ? "9.0" : "8.0");
    expect(profile.gpu!.smCount).toBe(sms);
    expect(profile.gpu!.memoryBandwidthGBs).toBe(bandwidth);
    expect(profile.file).toMatch(new RegExp(`hardware-profiles/${name}\\.json$`));
  });

  it.each(["h100-sxm", "h200", "a100"])("%s has limits that agree with each other", async (name) => {
    const gpu = (await loadProfile(name)).gpu!;
    expect(gpu.warpSize).toBe(32);
    expect(gpu.maxThreadsPerSM).toBe(gpu.maxWarpsPerSM * gpu.warpSize);
    expect(gpu.maxThreadsPerBlock).toBeLessThanOrEqual(gpu.maxThreadsPerSM);
    expect(gpu.maxRegistersPerBlock).toBeLessThanOrEqual(gpu.registersPerSM);
    expect(gpu.maxRegistersPerThread).toBe(255);
    expect(gpu.registerAllocationUnit).toBe(256);
    // The opt-in maximum per block is the SM's shared memory less the 1 KiB reserved per block.
    expect(gpu.maxSharedMemoryPerBlockOptinBytes + gpu.reservedSharedMemoryPerBlockBytes).toBe(gpu.sharedMemoryPerSMBytes);
    expect(gpu.maxSharedMemoryPerBlockBytes).toBe(48 * 1024);
    expect(gpu.sharedMemoryAllocationUnitBytes).toBe(128);
    expect(gpu.l2CacheBytes).toBeGreaterThanOrEqual(40 * 1024 * 1024);
  });

  it.each(["h100-sxm", "h200", "a100"])("%s has peaks ordered as the hardware orders them, with sources", async (name) => {
    const profile = await loadProfile(name);
    const peaks = profile.gpu!.peakTflops;
    expect(peaks.float32!).toBeGreaterThanOrEqual(peaks.float64!);
    // FP64 tensor cores double the FP64 rate (datasheets round, e.g. 34 and 67 on Hopper).
    expect(peaks.float64_tensor! / peaks.float64!).toBeCloseTo(2, 1);
    expect(peaks.tf32_tensor!).toBeGreaterThan(peaks.float32!);
    expect(peaks.float16_tensor!).toBeCloseTo(2 * peaks.tf32_tensor!, 0);
    expect(peaks.bfloat16_tensor!).toBe(peaks.float16_tensor!);
    expect(peaks.int8_tensor!).toBeCloseTo(2 * peaks.float16_tensor!, 0);
    expect(profile.sources.length).toBeGreaterThanOrEqual(3);
    expect(profile.sources.some((s) => s.includes("docs.nvidia.com/cuda/cuda-c-programming-guide"))).toBe(true);
  });

  it("order H200 above H100 above A100 in memory bandwidth and size", async () => {
    const [h200, h100, a100] = await loadProfiles("h200,h100-sxm,a100");
    expect(h200!.gpu!.memoryBandwidthGBs).toBeGreaterThan(h100!.gpu!.memoryBandwidthGBs);
    expect(h100!.gpu!.memoryBandwidthGBs).toBeGreaterThan(a100!.gpu!.memoryBandwidthGBs);
    expect(h200!.gpu!.memoryBytes).toBeGreaterThan(h100!.gpu!.memoryBytes);
    expect(h200!.gpu!.peakTflops).toEqual(h100!.gpu!.peakTflops);
  });
});

describe("the local profile", () => {
  let first: HardwareProfile;

  beforeAll(async () => {
    first = await loadProfile("local");
  });

  it("describes this machine's CPU with valid counts and caches", () => {
    const facts = readCpuFacts();
    expect(first.name).toBe("local");
    expect(first.kind).toBe("cpu");
    expect(first.reach).toEqual({ via: "local", builds: Math.min(facts.cores, 4), timing: "exclusive" });
    expect(first.cpu!.model).toBe(facts.model);
    expect(first.cpu!.cores).toBeGreaterThanOrEqual(1);
    expect(first.cpu!.threads).toBeGreaterThanOrEqual(first.cpu!.cores);
    expect(first.cpu!.cacheBytes.l1d).toBeGreaterThanOrEqual(4096);
    expect(first.cpu!.cacheBytes.l2).toBeGreaterThan(first.cpu!.cacheBytes.l1d);
  });

  it("says how its peaks were obtained", () => {
    expect(first.cpu!.peakSource).toMatch(/calibrated per core with \S+ -O3 -march=native/);
    expect(first.cpu!.peakGflops.float32).toBeGreaterThan(first.cpu!.peakGflops.float64 * 0.99);
  });

  it("has peaks no lower than a fresh single-core measurement times the cores", async () => {
    const outcome = await calibrate({ l1dBytes: first.cpu!.cacheBytes.l1d, l2Bytes: first.cpu!.cacheBytes.l2 });
    if (!outcome.ok) throw new Error(outcome.reason);
    const m = outcome.calibration;
    const cores = first.cpu!.cores;
    expect(first.cpu!.peakGflops.float32).toBeGreaterThanOrEqual(m.fma32Gflops * cores);
    expect(first.cpu!.peakGflops.float64).toBeGreaterThanOrEqual(m.fma64Gflops * cores);
    // Data resident in L1 must not beat the floor either.
    expect(first.cpu!.peakBandwidthGBs).toBeGreaterThanOrEqual(Math.max(m.l1GBs, m.l2GBs, m.dramGBs) * cores);
  });

  it("is cached under the CPU model and core count, so the next run is instant", async () => {
    const file = localCacheFile();
    expect(file).toBe(join(scratch, "cache", "local-profile.json"));
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored.key).toBe(cacheKey(first.cpu!));
    expect(stored.key).toContain(`${first.cpu!.model} | ${first.cpu!.cores} cores`);
    // A marked copy proves the second run read the file instead of calibrating again.
    writeFileSync(file, JSON.stringify({ ...stored, profile: { ...stored.profile, description: "from the cache" } }));
    const second = await loadProfile("local");
    expect(second.description).toBe("from the cache");
    expect(second.cpu).toEqual(first.cpu);
  });

  it("calibrates again when the cache belongs to another CPU", async () => {
    const file = localCacheFile();
    const stored = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...stored, key: "Some Other CPU | 96 cores", profile: { ...stored.profile, description: "stale" } }));
    const fresh = await detectLocalProfile();
    expect(fresh.description).not.toBe("stale");
    expect(JSON.parse(readFileSync(file, "utf8")).key).toBe(stored.key);
  });

  it("rebuilds a damaged cache file", async () => {
    writeFileSync(localCacheFile(), "{ not json");
    const fresh = await detectLocalProfile();
    expect(fresh.cpu!.cores).toBe(first.cpu!.cores);
    expect(JSON.parse(readFileSync(localCacheFile(), "utf8")).profile.name).toBe("local");
  });
});

describe("peak derivation", () => {
  const facts: CpuFacts = { model: "Test CPU", cores: 4, threads: 8, cacheBytes: { l1d: 32768, l2: 1 << 20, l3: 0 }, maxMHz: 3000, simdFloat32Lanes: 8 };

  it("scales a measurement by cores and the safety factor when that exceeds the theory", () => {
    const peaks = derivePeaks(facts, { fma32Gflops: 200, fma64Gflops: 100, l1GBs: 300, l2GBs: 150, dramGBs: 20, compiler: "gcc" }, "");
    expect(peaks.peakGflops.float32).toBe(200 * 4 * PEAK_SAFETY_FACTOR);
    expect(peaks.peakGflops.float64).toBe(100 * 4 * PEAK_SAFETY_FACTOR);
    // The cache-resident rate, not the DRAM rate, bounds the bandwidth.
    expect(peaks.peakBandwidthGBs).toBe(300 * 4 * PEAK_SAFETY_FACTOR);
    expect(peaks.peakSource).toContain("calibrated per core with gcc");
  });

  it("keeps the theoretical estimate when a measurement falls below it", () => {
    // 4 cores x 3 GHz x 8 lanes x 2 (FMA) x 2 pipes = 384 GFLOP/s; 32 B x 3 accesses x 3 GHz x 4 = 1152 GB/s.
    const peaks = derivePeaks(facts, { fma32Gflops: 10, fma64Gflops: 5, l1GBs: 10, l2GBs: 5, dramGBs: 1, compiler: "gcc" }, "");
    expect(peaks.peakGflops.float32).toBe(384);
    expect(peaks.peakGflops.float64).toBe(192);
    expect(peaks.peakBandwidthGBs).toBe(1152);
  });

  it("falls back to theory at an assumed 5 GHz when neither a measurement nor the clock is known", () => {
    const peaks = derivePeaks({ ...facts, maxMHz: null }, null, "gcc was not found");
    expect(peaks.peakGflops.float32).toBe(4 * 5 * 8 * 2 * 2);
    expect(peaks.peakSource).toContain("not calibrated (gcc was not found)");
    expect(peaks.peakSource).toContain("(assumed)");
  });

  it("reads cache sizes as the kernel prints them", () => {
    expect(parseCacheSize("48K\n")).toBe(48 * 1024);
    expect(parseCacheSize("2M")).toBe(2 * 1024 * 1024);
    expect(parseCacheSize("32768K")).toBe(32 * 1024 * 1024);
    expect(parseCacheSize("1024 KB")).toBe(1024 * 1024);
    expect(parseCacheSize("lots")).toBeNull();
  });
});

describe("profile files", () => {
  it("load from a path, resolving a relative replay file against the profile's folder", async () => {
    const dir = join(scratch, "lab");
    const file = profileFile({ name: "lab-a100", kind: "gpu", reach: { via: "replay", file: "data/a100.json.gz", t1File: "t1.json" } }, "lab-a100.json", dir);
    const profile = await loadProfile(file);
    expect(profile.reach).toEqual({ via: "replay", file: join(dir, "data", "a100.json.gz"), t1File: join(dir, "t1.json"), noisy: false });
    expect(profile.file).toBe(file);
  });

  it("resolve ssh key files against the profile's folder and ~ against the home folder", async () => {
    const dir = join(scratch, "remote");
    const file = profileFile(
      { ...h200Text(), name: "lab-h200", reach: { via: "ssh", host: "gpu1", user: "me", identityFile: "~/.ssh/id_ed25519", knownHostsFile: "known_hosts" } },
      "lab-h200.json",
      dir,
    );
    const profile = await loadProfile(file);
    if (profile.reach.via !== "ssh") throw new Error("expected an ssh reach");
    expect(profile.reach.identityFile).toMatch(/\/\.ssh\/id_ed25519$/);
    expect(profile.reach.identityFile.startsWith("~")).toBe(false);
    expect(profile.reach.knownHostsFile).toBe(join(dir, "known_hosts"));
    expect(profile.reach.port).toBe(22);
  });

  it("reject a GPU profile without GPU limits", async () => {
    const { gpu: _gpu, ...rest } = h200Text();
    const error = await rejection(loadProfile(profileFile(rest)));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toMatch(/^profile\.gpu: expected GPU limits and peaks for a profile of kind "gpu", received nothing/);
  });

  it("reject a CPU profile without CPU limits", async () => {
    const error = await rejection(loadProfile(profileFile({ name: "box", kind: "cpu", reach: { via: "local" } })));
    expect(error.message).toMatch(/^profile\.cpu: expected CPU limits and peaks for a profile of kind "cpu", received nothing/);
  });

  it("reject an ssh reach that cannot verify the host", async () => {
    const error = await rejection(loadProfile(profileFile({ ...h200Text(), reach: { via: "ssh", host: "gpu1", user: "me", identityFile: "id" } })));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toMatch(/^profile\.reach\.hostKeySha256: expected the host key fingerprint .* or a knownHostsFile .*, received neither/);
  });

  it("reject a Slurm login node that cannot verify the host", async () => {
    const reach = { via: "slurm", partition: "gpu", workDir: "/shared/ns", login: { host: "login1", user: "me", identityFile: "id" } };
    const error = await rejection(loadProfile(profileFile({ ...h200Text(), reach })));
    expect(error.message).toMatch(/^profile\.reach\.login\.hostKeySha256: expected/);
  });

  it("reject a field of the wrong type, naming it and the value", async () => {
    const text = h200Text();
    text.gpu.smCount = "132";
    const error = await rejection(loadProfile(profileFile(text)));
    expect(error.message).toMatch(/^profile\.gpu\.smCount: expected number, received "132" \(.*\.json\)$/);
  });

  it("reject an unknown field, naming it", async () => {
    const error = await rejection(loadProfile(profileFile({ ...h200Text(), bandwidth: 4800 })));
    expect(error.message).toMatch(/^profile: expected only known fields, received unknown field\(s\) "bandwidth"/);
  });

  it("reject an unknown reach", async () => {
    const error = await rejection(loadProfile(profileFile({ ...h200Text(), reach: { via: "carrier-pigeon" } })));
    expect(error.message).toMatch(/^profile\.reach\.via: expected one of/);
  });

  it("reject text that is not JSON", async () => {
    const error = await rejection(loadProfile(profileFile("{ name: h200")));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toMatch(/^profile: expected valid JSON in .*, received text that does not parse/);
  });
});

describe("names that resolve to nothing", () => {
  it("list the shipped profiles", async () => {
    const error = await rejection(loadProfile("h300"));
    expect(error.code).toBe("PROFILE_NOT_FOUND");
    expect(error.message).toContain("a shipped profile (a100, h100-sxm, h200");
    expect(error.message).toContain('received "h300"');
  });

  it("say that a .json path does not exist", async () => {
    const error = await rejection(loadProfile(join(scratch, "absent.json")));
    expect(error.code).toBe("PROFILE_NOT_FOUND");
    expect(error.message).toMatch(/absent\.json", which does not exist$/);
  });
});

describe("replay profiles", () => {
  it("are synthesized from replay:<file> with the file's stem as the device name", async () => {
    const file = profileFile("{}", "gemm_A100.json.gz", join(scratch, "replays"));
    const profile = await loadProfile(`replay:${file}`);
    expect(profile.name).toBe("replay-gemm_A100");
    expect(profile.kind).toBe("gpu");
    expect(profile.reach).toEqual({ via: "replay", file, noisy: false });
    expect(profile.gpu).toBeUndefined();
  });

  it("resolve a relative file against the working folder", async () => {
    const cwd = process.cwd();
    const dir = join(scratch, "replays-relative");
    profileFile("{}", "conv.json", dir);
    process.chdir(dir);
    try {
      const profile = await loadProfile("replay:conv.json");
      expect(profile.reach).toMatchObject({ via: "replay", file: join(dir, "conv.json") });
      expect(profile.name).toBe("replay-conv");
    } finally {
      process.chdir(cwd);
    }
  });

  it("report a missing file as not found", async () => {
    const error = await rejection(loadProfile(`replay:${join(scratch, "nothing-here.json")}`));
    expect(error.code).toBe("PROFILE_NOT_FOUND");
    expect(error.message).toMatch(/^profile: expected an existing replay file after "replay:", received ".*nothing-here\.json", which does not exist$/);
  });
});

describe("profile lists", () => {
  it("load each comma-separated entry in order", async () => {
    const profiles = await loadProfiles(" h200 , a100,");
    expect(profiles.map((p) => p.name)).toEqual(["h200", "a100"]);
  });

  it("refuse the same device twice", async () => {
    const error = await rejection(loadProfiles("h200,h200"));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toContain('expected distinct device names, received "h200" twice');
  });

  it("refuse an empty list", async () => {
    const error = await rejection(loadProfiles(" , "));
    expect(error.code).toBe("PROFILE_NOT_FOUND");
  });

  it("stop at the first entry that does not resolve", async () => {
    const error = await rejection(loadProfiles("h200,nope"));
    expect(error.message).toContain('received "nope"');
  });
});

describe("the cache location", () => {
  it("follows NIGHTSHIFT_CACHE_DIR", () => {
    expect(localCacheFile()).toBe(join(process.env.NIGHTSHIFT_CACHE_DIR!, "local-profile.json"));
    expect(existsSync(localCacheFile())).toBe(true);
  });
});
