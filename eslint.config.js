// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, plus the
// three type-aware rules that catch promises dropped or misused. The whole type-checked set
// is not on: ~1m45s of CPU against ~50s for this (without types ~15s; tsc ~25s), and its
// `no-unsafe-*` rules mostly flag tests that read JSON and then assert on it.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    // Generated, vendored or copied verbatim: not ours to lint.
    ignores: ["node_modules/", "**/fixtures/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    rules: {
      // Off: this code sanitizes untrusted text (ANSI escapes in CI logs, NUL and control
      // characters in paths, git refs and identifiers), so every control character in its
      // regular expressions is deliberate — which is all this rule can tell apart.
      "no-control-regex": "off",
      // A `let` read by a closure before its one assignment (a server that answers 503 until
      // its state exists) cannot be `const`: the closure would throw in the dead zone.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // `_`-prefixed names are how this code base says "deliberately unused": a parameter
      // kept for its position, or a key dropped with `const { key: _, ...rest } = obj`.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    // In tests an async listener or request handler may reject: vitest reports the unhandled
    // rejection as a failure, which is what a test wants. Everywhere else the rule holds.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }] },
  },
  {
    // The plugin sandbox's boot file runs with only what its child process hands it.
    files: ["bot/plugin-host/sandboxed/boot.mjs"],
    languageOptions: { globals: { process: "readonly" } },
  },
);
