import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Timed runs share two cores: files run one after another so measurements stay meaningful.
    fileParallelism: false,
  },
});
