// Preprocessing with this machine's compilers: gcc -E for C, nvcc -E (the device pass) for CUDA. The proof
// takes the preprocessor as a parameter so a caller can run it in a sandbox instead; these are the default
// and the helpers tests use.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { Preprocess, ProofLanguage } from "./types.ts";

/** The -DNAME=value flags of a variant, in the order the harness passes them. */
export function defineFlags(params: Params): string[] {
  return Object.entries(params)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `-D${k}=${v}`);
}

/** The flags the variant is compiled with besides its defines (they decide predefined macros). */
export function buildFlags(spec: KernelSpec, params: Params): string[] {
  const flags = [...spec.build.flags];
  for (const [name, byValue] of Object.entries(spec.build.flagsByParameter)) {
    const selected = byValue[String(params[name])];
    if (selected) flags.push(...selected);
  }
  return flags;
}

/** The preprocessor could not run at all (not started, killed from outside): nothing is known about the variant. */
export class PreprocessorUnavailable extends Error {}

function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 1 << 28, timeout: 120_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      // A spawn failure carries its errno as a string code (ENOENT, EAGAIN); an exit carries a number.
      const unavailable = typeof err.code === "string" || (err.signal === "SIGKILL" && !err.killed);
      const message = `${command} -E failed: ${String(stderr).trim().split("\n").slice(0, 6).join(" | ") || err.message}`;
      reject(unavailable ? new PreprocessorUnavailable(message) : new Error(message));
    });
    if (input !== undefined) {
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(input);
    }
  });
}

export interface CompilerPreprocessorOptions {
  /** The GPU architecture whose device pass is preprocessed (decides __CUDA_ARCH__). */
  readonly cudaArch?: string;
}

export function compilerPreprocessor(options: CompilerPreprocessorOptions = {}): Preprocess {
  const arch = options.cudaArch ?? "sm_90";
  return async (source: string, flags: string[], language: ProofLanguage): Promise<string> => {
    if (language === "c") return run("gcc", ["-E", "-x", "c", ...flags, "-"], source);
    const dir = await mkdtemp(join(tmpdir(), "nightshift-proof-"));
    try {
      const file = join(dir, "variant.cu");
      await writeFile(file, source);
      return await run("nvcc", [`-arch=${arch}`, "-E", ...flags, file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

export const preprocessWithCompiler: Preprocess = compilerPreprocessor();
