// Reference outputs travel between the proof worker and the main thread in serialized form, so a spec's
// reference is interpreted once per size, not once per variant.

import { deserializePoly, serializePoly, type Poly, type SerializedPoly } from "./exact/poly.ts";
import { qFrac, type Q } from "./exact/rational.ts";

export type SerializedOutputs = Record<string, SerializedPoly[]>;

export function parseRational(text: string): Q {
  const slash = text.indexOf("/");
  return slash < 0 ? qFrac(BigInt(text), 1n) : qFrac(BigInt(text.slice(0, slash)), BigInt(text.slice(slash + 1)));
}

export function serializeOutputs(outputs: ReadonlyMap<string, readonly Poly[]>): SerializedOutputs {
  const out: SerializedOutputs = {};
  for (const [name, polys] of outputs) out[name] = polys.map(serializePoly);
  return out;
}

export function deserializeOutputs(s: SerializedOutputs): Map<string, Poly[]> {
  return new Map(Object.entries(s).map(([name, polys]) => [name, polys.map((p) => deserializePoly(p, parseRational))]));
}

const MAX_ENTRIES = 4096;

/** A bounded in-memory cache keyed by reference text, argument layout and size. */
export class ReferenceCache {
  private readonly entries = new Map<string, SerializedOutputs>();

  get(key: string): SerializedOutputs | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: SerializedOutputs): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }
}
