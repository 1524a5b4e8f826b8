// Every rule id the engine emits (besides secrets/<name> of custom and built-in patterns),
// so `overrides` can reject a typo instead of silently doing nothing. A test keeps this
// list in step with the rule sources.
export const RULE_IDS = [
  "paths/protected", "paths/not-editable", "paths/rename-protected", "paths/unnormalized",
  "files/symlink", "files/submodule", "files/binary", "files/mode", "files/type-change", "files/not-allowed",
  "unicode/bidi", "unicode/invisible", "unicode/identifier",
  "secrets/high-entropy",
  "limits/files", "limits/lines", "limits/chars-added", "limits/new-files",
  "deps/denied", "deps/not-allowed", "deps/non-registry", "deps/install-script", "deps/invalid-manifest", "deps/invalid-lockfile",
  "tests/missing", "tests/deleted", "tests/removed-cases", "tests/skip-only",
  "api/eval", "api/function-constructor", "api/forbidden-global", "api/forbidden-member", "api/forbidden-module",
  "api/implied-eval", "api/dynamic-require", "api/dynamic-import", "api/create-require", "api/computed-access",
  "api/global-object", "api/global-mutation", "api/env", "api/fs-write", "api/fs-read", "api/network",
  "api/client-token", "api/import-package", "api/import-builtin", "api/import-outside", "api/import-unanalysed", "api/obfuscation",
  "api/exported-alias", "api/busy-loop", "api/secret-path", "api/redos",
  "api/dangerous-string",
  "engine/error",
] as const;
