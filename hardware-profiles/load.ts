// Resolves a device name to a validated hardware profile:
//   "local"           this machine, detected and calibrated (detect-local.ts)
//   "h200"            a shipped profile, hardware-profiles/h200.json
//   "lab/gpu1.json"   a profile file; relative paths inside it resolve against its folder
//   "replay:<file>"   a replay of recorded measurements (Kernel Tuner cache or KTT output)
// Every problem is one clear error naming the field, what was expected and what was received.

import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeValue, fail } from "../core/errors.ts";
import { describePath, FILE_KINDS, readFileOrFail } from "../core/read-file.ts";
import { parseStrictJson } from "../core/strict-json.ts";
import { formatZodIssue } from "../core/zod-issue.ts";
import { detectLocalProfile } from "./detect-local.ts";
import { hardwareProfileSchema, type HardwareProfile, type HardwareProfileFile, type Reach } from "./schema.ts";

export const PROFILES_DIR = dirname(fileURLToPath(import.meta.url));
export const REPLAY_PREFIX = "replay:";

/** Names of the profiles shipped beside this file. */
export function shippedProfileNames(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** A path in a profile: "~/" is the user's home, anything else relative is relative to the profile file. */
function localPath(path: string, folder: string): string {
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(folder, path);
}

function resolveReachPaths(reach: Reach, folder: string): Reach {
  switch (reach.via) {
    case "replay":
      return { ...reach, file: localPath(reach.file, folder), ...(reach.t1File ? { t1File: localPath(reach.t1File, folder) } : {}) };
    case "ssh":
      return {
        ...reach,
        identityFile: localPath(reach.identityFile, folder),
        ...(reach.knownHostsFile ? { knownHostsFile: localPath(reach.knownHostsFile, folder) } : {}),
      };
    case "slurm":
      if (!reach.login) return reach;
      return {
        ...reach,
        login: {
          ...reach.login,
          identityFile: localPath(reach.login.identityFile, folder),
          ...(reach.login.knownHostsFile ? { knownHostsFile: localPath(reach.login.knownHostsFile, folder) } : {}),
        },
      };
    default:
      return reach;
  }
}

/** Checks the schema cannot express. `where` names the source in messages. */
export function checkProfileSemantics(profile: HardwareProfileFile, where: string): void {
  const replay = profile.reach.via === "replay";
  if (profile.kind === "gpu" && !profile.gpu && !replay) {
    fail("PROFILE_INVALID", `profile.gpu: expected GPU limits and peaks for a profile of kind "gpu", received nothing (${where})`);
  }
  if (profile.kind === "cpu" && !profile.cpu && !replay) {
    fail("PROFILE_INVALID", `profile.cpu: expected CPU limits and peaks for a profile of kind "cpu", received nothing (${where})`);
  }
  // Every CUDA kernel's physics floor falls back to the FP32 rate; without it an impossible time would pass.
  if (profile.gpu && profile.gpu.peakTflops.float32 === undefined) {
    fail("PROFILE_INVALID", `profile.gpu.peakTflops.float32: expected the FP32 peak in TFLOP/s, received nothing (${where})`);
  }
  const ssh = profile.reach.via === "ssh" ? { field: "profile.reach", reach: profile.reach } : profile.reach.via === "slurm" && profile.reach.login ? { field: "profile.reach.login", reach: profile.reach.login } : null;
  if (ssh && !ssh.reach.hostKeySha256 && !ssh.reach.knownHostsFile) {
    fail(
      "PROFILE_INVALID",
      `${ssh.field}.hostKeySha256: expected the host key fingerprint ("SHA256:...") or a knownHostsFile so the host can be verified, received neither (${where})`,
    );
  }
}

/** Validates parsed JSON; `file` is where it came from (relative paths in reach resolve against its folder). */
export function parseProfile(raw: unknown, file: string): HardwareProfile {
  const parsed = hardwareProfileSchema.safeParse(raw);
  if (!parsed.success) fail("PROFILE_INVALID", `${formatZodIssue(parsed.error, raw, "profile")} (${file})`);
  checkProfileSemantics(parsed.data, file);
  return { ...parsed.data, reach: resolveReachPaths(parsed.data.reach, dirname(file)), file };
}

function loadProfileFile(file: string): HardwareProfile {
  const text = readFileOrFail(file, FILE_KINDS.profile, "PROFILE_INVALID", "profile").toString("utf8");
  const parsed = parseStrictJson(text, "profile");
  if (!parsed.ok) fail("PROFILE_INVALID", `${parsed.field}: expected ${parsed.expected} in ${describePath(file)}, received ${parsed.received}`);
  return parseProfile(parsed.value, file);
}

/** "replay:data/cache.json.gz" -> a GPU profile named "replay-cache" reading that file. */
function replayProfile(spec: string): HardwareProfile {
  const given = spec.slice(REPLAY_PREFIX.length);
  if (given.trim() === "") fail("PROFILE_NOT_FOUND", `profile: expected "replay:<file>" naming a recorded measurement file, received ${describeValue(spec)}`);
  const file = resolve(given);
  if (!existsSync(file)) fail("PROFILE_NOT_FOUND", `profile: expected an existing replay file after "replay:", received ${describeValue(given)}, which does not exist`);
  if (!statSync(file).isFile()) fail("PROFILE_NOT_FOUND", `profile: expected a replay file after "replay:", received ${describeValue(given)}, which is not a regular file`);
  const stem = basename(file).replace(/\..*$/, "");
  const name = `replay-${stem.replace(/[^A-Za-z0-9_.-]/g, "_") || "data"}`;
  const parsed = hardwareProfileSchema.parse({ name, description: `Replay of ${file}`, kind: "gpu", reach: { via: "replay", file }, sources: [file] });
  return parsed;
}

/** One profile by name, path, "local" or "replay:<file>". */
export async function loadProfile(nameOrPath: string): Promise<HardwareProfile> {
  const spec = nameOrPath.trim();
  if (spec === "local") return detectLocalProfile();
  if (spec.startsWith(REPLAY_PREFIX)) return replayProfile(spec);
  const shipped = shippedProfileNames();
  if (shipped.includes(spec)) return loadProfileFile(join(PROFILES_DIR, `${spec}.json`));
  const file = resolve(spec);
  // Anything at a .json path is read as a profile, so a folder or a device there is named as such.
  if (spec.endsWith(".json") && existsSync(file)) return loadProfileFile(file);
  return fail(
    "PROFILE_NOT_FOUND",
    `profile: expected "local", "replay:<file>", a shipped profile (${shipped.join(", ")}) or the path of a profile .json file, received ${describeValue(nameOrPath)}` +
      (spec.endsWith(".json") ? ", which does not exist" : ""),
  );
}

/** A comma-separated list of profiles ("local,h200"); device names must be distinct. */
export async function loadProfiles(list: string): Promise<HardwareProfile[]> {
  const items = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) fail("PROFILE_NOT_FOUND", `profiles: expected one or more profile names separated by commas, received ${describeValue(list)}`);
  const profiles: HardwareProfile[] = [];
  for (const item of items) profiles.push(await loadProfile(item));
  const seen = new Set<string>();
  for (const profile of profiles) {
    // Results are stored per device name, so two devices with one name would mix their measurements.
    if (seen.has(profile.name)) fail("PROFILE_INVALID", `profiles: expected distinct device names, received "${profile.name}" twice in ${describeValue(list)}`);
    seen.add(profile.name);
  }
  return profiles;
}
