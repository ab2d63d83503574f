import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One temporary folder for the whole run, removed at its end (test/support/temp-root.ts).
    globalSetup: ["test/support/temp-root.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files start brokers and the simulated device: keep CI's 2 cores steady.
    maxWorkers: 2,
  },
});
