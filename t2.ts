import { readFileSync } from "node:fs";
import { leaveOneDeviceOut } from "./strategies/cross-validation.ts";
const cands = process.argv[2]!.split(",");
const runs = new Map<string, Map<number, number>>();
for (const l of readFileSync("/tmp/strategies-traces.jsonl", "utf8").split("\n")) { if (!l) continue; const r = JSON.parse(l); if (r.noisy === false || r.seed >= 20) continue; const k = r.space + "|" + r.strategy; if (!runs.has(k)) runs.set(k, new Map()); runs.get(k)!.set(r.seed, r.score); }
const dev = (s: string) => s.split("/").at(-1)!.replace(".json.gz", "");
const all = [...new Set([...runs.keys()].map((k) => k.split("|")[0]!))].sort();
for (const suffix of ["", "+transfer"]) {
  const spaces = all.filter((s) => runs.has(s + "|hybrid" + suffix));
  const cv = leaveOneDeviceOut({ candidates: cands, spaces, deviceOf: dev, scores: (c, s) => { const m = runs.get(s + "|" + c + suffix); if (!m) throw new Error(s + c + suffix); return [...Array(20).keys()].map((i) => m.get(i)!); } });
  console.log(suffix || "scratch", cv.mean.toFixed(3), cv.inSample, cv.folds.map((f) => `${f.device}:${f.chosen}/${f.best} ${f.trainMean.toFixed(3)} ${f.bestMean.toFixed(3)} se ${f.standardError.toFixed(3)} held ${f.heldOutMean.toFixed(3)}`));
}
