// The vitest config of the agent's sandboxed plugin test runs (checks.ts), in place of the
// checkout's vitest.config.ts: where plugin tests are and the repo's timeouts, without the
// repository's own test set-up (test/helpers/postgres.ts as a globalSetup: a plugin test
// never uses it, and a plugin-only checkout has no test/). Plain data with no imports, so
// loading it costs nothing and runs no code of the checkout.
//
// Threads rather than the repo's forks (kept there for native handles: sqlite, child
// processes, which the policy never lets plugin code use): each test file still runs in a
// worker of its own with a fresh module graph and globals (isolate, vitest's default), and
// a run starts ~0.4 s sooner without a second Node process to boot. The whole run is one
// sandbox either way: its limits hold for every thread.
export default {
  test: {
    include: ["bot/plugins/**/*.test.ts"],
    pool: "threads",
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};
