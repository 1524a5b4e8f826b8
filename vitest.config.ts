import { defineConfig } from "vitest/config";

// Tests mirror the code under test/; plugin tests live beside their plugin in bot/plugins/
// (the only place a self-edit may write, so the agent can add tests there). Real servers and git repos are involved,
// so timeouts are generous: a test must hold on a loaded machine (two or three times slower than an idle one), and
// fail by its own clear wait, not by this cap; forks keep native handles (sqlite, child processes) isolated.
// globalSetup: the PostgreSQL server the store tests run on, started only if a test file asks for it.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "bot/plugins/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    globalSetup: ["test/helpers/postgres.ts"],
  },
});
