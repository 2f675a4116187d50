// The house stays layered: no import cycle between top-level folders (type-only imports count too, since a
// type that two folders both need belongs below both), and nothing outside test/ imports from test/.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SKIP = new Set(["node_modules", ".git", "docs", "examples", "data", "test"]);
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|js)$/.test(name) && dir !== ROOT) out.push(path);
  }
  return out;
}

const top = (path: string): string => relative(ROOT, path).split(sep)[0]!;

/** Edges between top-level folders, each with the files that make it. */
function folderEdges(): Map<string, Map<string, Set<string>>> {
  const edges = new Map<string, Map<string, Set<string>>>();
  for (const file of sourceFiles(ROOT)) {
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1] ?? m[2]!);
      const [from, to] = [top(file), top(target)];
      if (from === to || to.startsWith("..")) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const byTarget = edges.get(from)!;
      if (!byTarget.has(to)) byTarget.set(to, new Set());
      byTarget.get(to)!.add(relative(ROOT, file));
    }
  }
  return edges;
}

/** Every elementary cycle, each written from its smallest folder name. */
function cycles(edges: Map<string, Map<string, Set<string>>>): string[][] {
  const found = new Map<string, string[]>();
  const walk = (start: string, node: string, path: string[]): void => {
    for (const next of edges.get(node)?.keys() ?? []) {
      if (next === start) {
        const i = path.indexOf([...path].sort()[0]!);
        const ring = [...path.slice(i), ...path.slice(0, i)];
        found.set(ring.join(">"), ring);
      } else if (!path.includes(next)) walk(start, next, [...path, next]);
    }
  };
  for (const start of edges.keys()) walk(start, start, [start]);
  return [...found.values()];
}

describe("the layering of top-level folders", () => {
  const edges = folderEdges();

  it("has no import cycle between top-level folders, type-only imports included", () => {
    const described = cycles(edges).map((ring) => {
      const hops = ring.map((from, i) => {
        const to = ring[(i + 1) % ring.length]!;
        return `  ${from} -> ${to}: ${[...edges.get(from)!.get(to)!].slice(0, 3).join(", ")}`;
      });
      return `${[...ring, ring[0]].join(" -> ")}\n${hops.join("\n")}`;
    });
    expect(described, described.join("\n")).toEqual([]);
  });

  it("finds a cycle when one exists (the check itself can fail)", () => {
    const planted = new Map(edges);
    planted.set("core", new Map([...(edges.get("core") ?? new Map()), ["results", new Set(["core/planted.ts"])]]));
    expect(cycles(planted).some((ring) => ring.includes("core") && ring.includes("results"))).toBe(true);
  });

  it("keeps test code out of the product: no folder outside test/ imports from it", () => {
    const intoTest = [...edges].flatMap(([from, byTarget]) => [...(byTarget.get("test") ?? [])].map((file) => `${from}: ${file}`));
    expect(intoTest).toEqual([]);
  });
});
