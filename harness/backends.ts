// The language backends by spec language: the one place a new kernel language is registered.

import type { KernelSpec } from "../specs/schema.ts";
import type { LanguageBackend } from "./backend.ts";
import { cBackend } from "./c/backend.ts";
import { cudaBackend } from "./cuda/backend.ts";

const BACKENDS: Record<KernelSpec["language"], LanguageBackend> = { c: cBackend, cuda: cudaBackend };

export function backendFor(spec: KernelSpec): LanguageBackend {
  return BACKENDS[spec.language];
}
