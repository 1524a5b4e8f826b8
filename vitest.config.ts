import { defineConfig } from "vitest/config";

// Tests mirror the code under test/. Real servers and git repos are involved,
// so timeouts are generous; forks keep native handles (sqlite, child processes) isolated.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
  },
});
