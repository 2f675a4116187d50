// Paths a client names (a spec folder, a T1 file, prior data) resolve only inside the daemon's allow-listed
// spec roots: relative, no "." or ".." segment, and still inside a root once symbolic links are followed.
// The daemon's own data folder (uploads among it) is never a spec root's part: an uploaded spec must not
// come back through a root as if it were the operator's trusted code.

import { existsSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { describeValue, fail } from "../core/errors.ts";
import { HttpError } from "./http-error.ts";

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._@+=,-]*$/;

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export class SpecRoots {
  private readonly roots: string[];
  private readonly forbidden: string[];

  /** `roots` must exist; `forbidden`: folders inside them that clients may not name (the daemon's data). */
  constructor(roots: readonly string[], forbidden: readonly string[]) {
    this.roots = roots.map((r) => {
      if (!existsSync(r) || !statSync(r).isDirectory()) fail("USAGE", `--spec-root: expected an existing folder, received ${describeValue(r)}`);
      return realpathSync(r);
    });
    this.forbidden = forbidden.filter((f) => existsSync(f)).map((f) => realpathSync(f));
  }

  get folders(): readonly string[] {
    return this.roots;
  }

  /** The real path of `given` inside a root (the first root that has it), or a 400 naming `field`. */
  resolve(given: string, field: string): string {
    const bad = (expected: string) => new HttpError(400, "REQUEST_INVALID", field, expected, describeValue(given));
    if (isAbsolute(given)) throw bad("a path relative to the daemon's spec roots, not an absolute path");
    const segments = given.split("/");
    if (segments.includes("..")) throw bad("a path that stays inside the spec roots (no '..')");
    if (!segments.every((s) => SEGMENT.test(s))) throw bad("a relative path of names separated by '/' (no empty, '.' or hidden segments)");
    for (const root of this.roots) {
      const candidate = join(root, ...segments);
      if (!existsSync(candidate)) continue;
      const real = realpathSync(candidate);
      if (!inside(root, real) || this.forbidden.some((f) => inside(f, real))) {
        throw new HttpError(400, "REQUEST_INVALID", field, "a path inside the daemon's spec roots", `${describeValue(given)}, which links outside them`);
      }
      return real;
    }
    throw new HttpError(400, "REQUEST_INVALID", field, `a spec folder or file under one of the daemon's spec roots (${this.roots.length} configured)`, `${describeValue(given)}, which none of them has`);
  }
}
