// Seeds for tests that draw at random (kill moments, generated inputs): a fresh seed each run so the tests
// keep exploring, fixed by NIGHTSHIFT_TEST_SEED to reproduce a failure, and always named in failure messages.

import { randomInt } from "node:crypto";
import { makeRng, type Rng } from "../../core/rng.ts";

export interface TestSeed {
  seed: number;
  rng: Rng;
  /** "seed N (rerun with NIGHTSHIFT_TEST_SEED=N)", for failure messages. */
  describe(): string;
}

export function testSeed(): TestSeed {
  const fixed = process.env.NIGHTSHIFT_TEST_SEED;
  const seed = fixed !== undefined && /^\d+$/.test(fixed) ? Number(fixed) : randomInt(1, 2 ** 31);
  return { seed, rng: makeRng(seed), describe: () => `seed ${seed} (rerun with NIGHTSHIFT_TEST_SEED=${seed})` };
}
