// What interpretation can find besides a result. A finding stops the run (like a trap) and travels as a
// thrown value only inside the interpreter; runs convert it to a typed outcome at their boundary.

export interface At {
  readonly line: number;
  readonly file: string;
}

export type FindingKind =
  /** The proof cannot decide: an unsupported construct, data-dependent control flow, undefined behaviour. */
  | "unproven"
  /** The run exceeded its step budget. */
  | "step-limit"
  /** A write outside a spec buffer: wrong for every input, reported as a refutation. */
  | "out-of-bounds-write";

export class Finding extends Error {
  constructor(
    readonly kind: FindingKind,
    readonly reason: string,
    readonly at?: At,
    /** For out-of-bounds writes: the buffer, element index and value written. */
    readonly detail?: { readonly buffer: string; readonly index: number; readonly value: unknown; readonly length: number },
  ) {
    super(at ? `${reason} (${at.file}:${at.line})` : reason);
  }
}

export function unproven(reason: string, at?: At): never {
  throw new Finding("unproven", reason, at);
}
