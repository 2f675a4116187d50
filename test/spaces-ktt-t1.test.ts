// The T1 files written for KTT's RTX 3090 outputs (data/spaces/t1/ktt_*.json): their parameters and
// conditions define exactly the configurations KTT recorded, so a campaign over them proposes nothing the
// data cannot answer and misses nothing it holds.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadReplayData } from "../spaces/load.ts";
import { SPACES } from "./replay-fixtures.ts";

const cases = [
  { data: "ktt/KTConvolutionOutput_3090.json.gz", t1: "t1/ktt_convolution.json", recorded: 6768 },
  { data: "ktt/KTPnpolyOutput_3090.json.gz", t1: "t1/ktt_pnpoly.json", recorded: 4092 },
];

describe("the T1 files of KTT's outputs", () => {
  for (const c of cases) {
    it(`define exactly the ${c.recorded} configurations of ${c.data}`, () => {
      const data = loadReplayData(join(SPACES, c.data), join(SPACES, c.t1));
      expect(data.entries.size).toBe(c.recorded);
      const valid = data.space.validConfigs();
      expect(valid.length).toBe(c.recorded);
      for (const config of valid) expect(data.entries.has(data.space.key(config)), data.space.key(config)).toBe(true);
    });
  }
});
