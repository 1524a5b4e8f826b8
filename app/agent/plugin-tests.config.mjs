// The vitest config of the agent's sandboxed plugin test runs (checks.ts), in place of the
// checkout's vitest.config.ts: the same options for plugin tests (where they are, the pool,
// the timeouts), without the repository's own test set-up (test/helpers/postgres.ts as a
// globalSetup: a plugin test never uses it, and a plugin-only checkout has no test/).
// Plain data with no imports, so loading it costs nothing and runs no code of the checkout.
export default {
  test: {
    include: ["bot/plugins/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};
