// The policy file schema. Strict everywhere (an unknown key is an error, never ignored),
// and every key has a default, so `Policy` is always complete. The defaults are the seed
// policy: a file that sets nothing still protects the control plane.
import { isBuiltin } from "node:module";
import { z } from "zod";
import { globProblem } from "./globs.ts";
import { RISK_LEVELS } from "../types.ts";
import { BUILTIN_SECRET_NAMES, RULE_IDS } from "../rules/ids.ts";

export { BUILTIN_SECRET_NAMES };

const glob = z.string().superRefine((value, ctx) => {
  const problem = globProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem}: "${value}"` });
});
const globs = z.array(glob);

const regex = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value, "u");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `invalid regular expression: ${(err as Error).message}` });
  }
});

/** `example.com` or `*.example.com` (any subdomain, not the apex). */
const hostPattern = z.string().regex(/^(\*\.)?(?!-)[a-z0-9-]+(\.[a-z0-9-]+)*$/, "host must be lowercase like example.com or *.example.com");

const riskLevel = z.enum(RISK_LEVELS);
const severityOrOff = z.enum(["off", "info", "warning", "error"]);
const count = z.number().int().nonnegative();
const names = z.array(z.string().min(1));
/** A model id as OpenAI-compatible APIs spell them: "gpt-4.1-mini", "org/model:tag" — no spaces or commas. */
const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][\w.:/@-]*$/, { error: (i) => `not a model name: ${JSON.stringify(i.input)} (e.g. "gpt-4.1-mini")` });

export const PROTECTED_DEFAULT = [
  "policies/**",
  ".github/**",
  "actions/**",
  "policy-engine/**",
  "contract/**",
  "app/**",
  "deploy-hook/**",
  // the bot core: everything in bot/ that is not a plugin
  "bot/**",
  "!bot/plugins/**",
  "local/**",
  "bench/**",
  "test/**",
  ".ci/**",
  "app.yml",
  "CODEOWNERS",
  "**/package.json",
  "**/package-lock.json",
  "**/npm-shrinkwrap.json",
  "**/tsconfig*.json",
  "**/vitest.config.*",
  "**/vite.config.*",
  "**/eslint.config.*",
  "**/.prettierrc*",
  "**/prettier.config.*",
  "**/.prettierignore",
  "**/.npmrc",
  "**/.gitattributes",
  "**/.gitmodules",
  "**/.gitignore",
  "**/CODEOWNERS",
  "**/node_modules/**",
  "**/.env*",
];

const levelSettings = z.strictObject({
  approvals: count.describe("Approving reviews required before merge."),
  automerge: z.boolean().describe("Whether the app may merge by itself once approvals and checks are met."),
});

const LEVELS_DEFAULT = {
  safe: { approvals: 0, automerge: true },
  low: { approvals: 1, automerge: true },
  medium: { approvals: 1, automerge: false },
  high: { approvals: 2, automerge: false },
  critical: { approvals: 2, automerge: false },
};

export const policySchema = z
  .strictObject({
    version: z.literal(1).default(1).describe("Policy format version."),
    mode: z
      .enum(["enforce", "evaluate"])
      .default("enforce")
      .describe("enforce: block when a rule says so; evaluate: report what enforce would decide, never block."),
    editable: globs
      .default(["bot/plugins/**"])
      .describe("The only paths a self-edit may change. Like .gitignore: the last matching entry decides; `!glob` takes paths back out."),
    protected: globs
      .default(PROTECTED_DEFAULT)
      .describe(
        "Paths a self-edit may never change (wins over editable); human changes to them need review. Like .gitignore: the last matching entry decides; `!glob` takes paths back out.",
      ),
    selfEdit: z
      .strictObject({
        authors: names.default(["ouro[bot]"]).describe("PR authors whose PRs are self-edits."),
        labels: names.default(["ouro"]).describe("Labels that mark a PR as a self-edit."),
        branchPrefixes: names.default(["ouro/"]).describe("Head-branch prefixes that mark a PR as a self-edit."),
      })
      .prefault({})
      .describe("How a self-edit is recognised; any match counts (fail closed)."),
    code: z
      .strictObject({
        extensions: z
          .array(z.string().regex(/^[a-z0-9]+$/, "extension without the dot, lowercase"))
          .default(["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"])
          .describe("File extensions analysed on the syntax tree."),
        apiPaths: globs
          .default(["bot/plugins/**"])
          .describe(
            "Where forbiddenApis, network, env and imports rules apply on every PR. A self-edit is checked in every changed code file; human changes elsewhere (the control plane, tests) are reviewed by code owners instead.",
          ),
        apiFileTypes: z
          .array(z.string().regex(/^[a-z0-9]+$/, "extension without the dot, lowercase"))
          .default(["ts", "json", "md", "txt", "yml", "yaml"])
          .describe(
            "The only file types allowed in apiPaths: TypeScript the check analyses, JSON data and inert text. Anything else (.js, .mjs, .cjs, .mts, .cts, .tsx, .node addons, .wasm, extensionless files…) is blocked: Node could run it as code the check never analysed as plugin code.",
          ),
      })
      .prefault({}),
    forbiddenApis: z
      .strictObject({
        globals: names
          .default(["eval", "Function", "WebAssembly"])
          .describe("Globals that may not be used as values (called, aliased, passed); typeof/instanceof are fine."),
        modules: names
          .default([
            "child_process",
            "vm",
            "worker_threads",
            "cluster",
            "module",
            "inspector",
            "repl",
            "v8",
            "wasi",
            // Seen by the red-team pass: request headers (the bot token) via diagnostics_channel and
            // async/trace hooks, arbitrary files via sqlite, unanalysed child processes via node:test.
            "diagnostics_channel",
            "async_hooks",
            "trace_events",
            "sqlite",
            "test",
          ])
          .describe("Modules that may not be imported or required (node: prefix implied)."),
        members: names
          .default([
            "process.binding",
            "process._linkedBinding",
            "process.dlopen",
            "process.mainModule",
            "process.exit",
            "process.kill",
            "process.abort",
            "process.chdir",
            "process.setuid",
            "process.setgid",
            "process.umask",
            "module.constructor",
            "module.require",
            "require.cache",
            "require.main",
            "require.extensions",
            "module.parent",
            "module.children",
            "process.report",
            "process.execve",
            "process.loadEnvFile",
            // the handles of the core's sockets (the app link) and the main thread frozen
            "process._getActiveHandles",
            "process._getActiveRequests",
            "Atomics.wait",
          ])
          .describe("Members (dotted, from a global) that may not be used."),
        impliedEval: z.boolean().default(true).describe("Flag setTimeout/setInterval/setImmediate with a string."),
        dynamicModules: z.boolean().default(true).describe("Flag require()/import() with a non-literal specifier, and createRequire."),
        computedAccess: z
          .boolean()
          .default(true)
          .describe(
            "Flag obj[expr] with a non-literal or concatenated key on globalThis, process, Reflect, Function, module, require and sensitive modules.",
          ),
        fsWrites: z.boolean().default(true).describe("Flag filesystem writes (fs, fs/promises, write streams)."),
        fsReads: z
          .boolean()
          .default(true)
          .describe(
            'Flag filesystem reads except of literal paths next to the module (new URL("./data.json", import.meta.url)); /proc/self/environ and .env hold secrets.',
          ),
        globalMutation: z
          .boolean()
          .default(true)
          .describe(
            "Flag assigning to or deleting members of built-ins and prototypes (JSON.parse = …, String.prototype.x = …, globalThis.fetch = …).",
          ),
        clientToken: z
          .boolean()
          .default(true)
          .describe("Flag reading the Discord client's token: client.token (also via interaction.client, destructuring, computed keys)."),
      })
      .prefault({}),
    dangerousStrings: z
      .array(z.strictObject({ name: z.string().min(1), regex }))
      .default([
        { name: "rm -rf", regex: "\\brm\\s+-[a-z]*r[a-z]*f|\\brm\\s+-[a-z]*f[a-z]*r" },
        { name: "DROP TABLE/DATABASE", regex: "\\bDROP\\s+(TABLE|DATABASE|SCHEMA)\\b" },
        { name: "TRUNCATE TABLE", regex: "\\bTRUNCATE\\s+TABLE\\b" },
        { name: "DELETE without WHERE", regex: '\\bDELETE\\s+FROM\\s+[\\w."`]+\\s*;?\\s*$' },
        { name: "pipe to shell", regex: "\\b(curl|wget)\\b[^|]*\\|\\s*(ba|z)?sh\\b" },
        { name: "fork bomb", regex: ":\\(\\)\\s*\\{\\s*:\\|:&\\s*\\};:" },
        { name: "mkfs / dd to a device", regex: "\\bmkfs(\\.\\w+)?\\s|\\bdd\\s+if=.*\\bof=/dev/" },
      ])
      .describe("Patterns that make a string literal in code a warning (needs review): destructive shell and SQL."),
    imports: z
      .strictObject({
        packages: z
          .array(z.string().min(1))
          .default(["zod"])
          .describe(
            'Packages code in apiPaths (and self-edits) may import: exact specifiers, so a subpath ("zod/v4") only when listed itself. Pure libraries only: nothing that talks to the network, spawns, reads files or holds credentials (no discord.js: plugins use the plugin API).',
          ),
        testPackages: z
          .array(z.string().min(1))
          .default(["vitest"])
          .describe(
            'Packages test files (tests.files) may import as well, exact specifiers: "vitest", never "vitest/node" or other runner internals.',
          ),
        builtins: z
          .array(z.string().refine((m) => isBuiltin(m.startsWith("node:") ? m : `node:${m}`), "not a Node built-in module"))
          .default(["assert", "buffer", "crypto", "querystring", "string_decoder", "url", "util"])
          .describe(
            'Node built-ins code may import, as "node:x" or "x" (exact: a sub-module such as util/types only when listed). Pure modules only: no fs, process, net, child_process, worker_threads…',
          ),
        api: globs
          .default(["bot/plugin-api/index.ts"])
          .describe("Files outside `within` that code may import by relative path: the plugin API."),
        testApi: globs
          .default(["bot/plugin-api/testing.ts"])
          .describe("Files test files may import by relative path as well: the plugin API's test helpers."),
        within: globs
          .default(["bot/plugins/**"])
          .describe("Where relative imports may point besides api/testApi: the plugin area (never the bot core or the control plane)."),
      })
      .prefault({})
      .describe("The import allowlist for code in apiPaths (and every self-edit): anything not listed here is blocked."),
    network: z
      .strictObject({
        allowedHosts: z
          .array(hostPattern)
          .default(["discord.com", "*.discord.com", "discordapp.com", "*.discordapp.com", "cdn.discordapp.com"])
          .describe("Hosts plugin code may call (fetch, http(s), WebSocket); a non-literal URL is flagged."),
        modules: names
          .default(["net", "tls", "dgram", "http2", "dns", "undici", "axios", "got", "node-fetch", "ws"])
          .describe("Networking modules whose import is flagged outright (hosts cannot be checked)."),
      })
      .prefault({}),
    env: z
      .strictObject({
        allowed: names.default(["NODE_ENV", "TZ"]).describe("process.env names code may read."),
      })
      .prefault({}),
    dependencies: z
      .strictObject({
        allow: names.default([]).describe("If non-empty, only these packages may be added or changed (warning otherwise)."),
        deny: names
          .default(["event-stream", "flatmap-stream", "node-ipc", "colors@1.4.1", "faker@6.6.6"])
          .describe("Packages (name or name@version) that may never be added (error)."),
        installScripts: z.boolean().default(false).describe("Allow new lockfile entries with hasInstallScript."),
        installScriptsAllow: names.default(["node"]).describe("Packages allowed to have install scripts anyway."),
      })
      .prefault({}),
    limits: z
      .strictObject({
        files: count.default(5).describe("Anomaly when more files than this change."),
        lines: count.default(1000).describe("Anomaly when more lines than this are added plus removed."),
        charsAdded: count.default(10_000).describe("Anomaly when more characters than this are added."),
        newFiles: count.default(5).describe("Anomaly when more files than this are added."),
      })
      .prefault({}),
    secrets: z
      .strictObject({
        builtin: z
          .boolean()
          .default(true)
          .describe(
            "Use the built-in token patterns (GitHub, Discord tokens and webhooks, OpenAI, AWS, Slack, npm, Google, Stripe, private keys).",
          ),
        patterns: z
          .array(z.strictObject({ name: z.string().regex(/^[a-z0-9-]+$/), regex }))
          .default([])
          .describe("Extra patterns: rule id secrets/<name>."),
        entropy: z
          .strictObject({
            minLength: count.default(20),
            threshold: z.number().positive().default(3.8).describe("Shannon bits per character."),
          })
          .prefault({})
          .describe("High-entropy string literals in added lines."),
        ignore: globs.default(["**/package-lock.json"]).describe("Files where the entropy check is skipped (token patterns still apply)."),
      })
      .prefault({}),
    tests: z
      .strictObject({
        required: z.boolean().default(true).describe("New or changed plugin code needs a test added or changed in the same plugin folder."),
        pluginRoot: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "a folder path like bot/plugins (no glob, no leading or trailing slash)")
          .default("bot/plugins")
          .describe("Folder whose sub-folders are plugins."),
        files: globs.default(["**/*.test.*", "**/*.spec.*", "test/**", "**/__tests__/**"]).describe("What counts as a test file."),
        exempt: globs.default(["bot/plugins/index.ts", "bot/plugins/settings.ts"]).describe("Plugin-area files that need no test."),
        flagDeleted: z.boolean().default(true),
        flagSkipOnly: z.boolean().default(true).describe("Flag added .skip/.only/xit/fit/xdescribe/fdescribe."),
      })
      .prefault({}),
    risk: z
      .strictObject({
        default: riskLevel.default("low").describe("Level of a changed file no path rule matches."),
        protected: riskLevel.default("high").describe("Minimum level of a change touching a protected path."),
        paths: z
          .array(z.strictObject({ paths: globs, level: riskLevel }))
          .default([
            {
              paths: ["policies/**", ".github/**", "actions/**", "policy-engine/**", "app.yml", "CODEOWNERS", ".ci/**"],
              level: "critical",
            },
            { paths: ["**/*.md", "docs/**"], level: "safe" },
            { paths: ["bot/plugins/**"], level: "low" },
          ])
          .describe("First matching entry gives a file's level; the change takes the highest."),
        findings: z
          .strictObject({ info: riskLevel.default("safe"), warning: riskLevel.default("medium"), error: riskLevel.default("critical") })
          .prefault({})
          .describe("Level a finding of each severity raises the change to."),
        levels: z
          .strictObject({
            safe: levelSettings.default(LEVELS_DEFAULT.safe),
            low: levelSettings.default(LEVELS_DEFAULT.low),
            medium: levelSettings.default(LEVELS_DEFAULT.medium),
            high: levelSettings.default(LEVELS_DEFAULT.high),
            critical: levelSettings.default(LEVELS_DEFAULT.critical),
          })
          .prefault({}),
      })
      .prefault({}),
    overrides: z
      .record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, "rule id like api/network"), severityOrOff)
      .default({})
      .describe("Per-rule severity: off | info | warning | error (rule ids as in findings)."),
    agent: z
      .strictObject({
        maxTurns: count.default(20),
        maxTokens: count.default(200_000),
        wallTimeSeconds: count.default(600),
        fixRounds: count.default(3),
        model: z.string().min(1).default("gpt-4.1-mini"),
        fallbackModels: z
          .array(modelName)
          .default([])
          .describe(
            "Models tried in order when the model fails (429, 5xx, a timeout, or tool calls that are not valid): the next one takes over for the rest of the run.",
          ),
        followUps: count
          .default(2)
          .describe(
            'Automatic follow-ups per change: failed checks (their output and annotations) or a "changes requested" review from a user with write access send the agent back to the same branch, at most this many times. When spent, the change waits for a human (`/ouro <what to fix>`). 0: off.',
          ),
      })
      .prefault({})
      .describe("Budgets of the self-edit agent (read by the app)."),
    rateLimits: z
      .strictObject({
        perRequesterPerHour: count.default(5),
        globalPerMinute: count.default(10),
        maxOpenPrs: count.default(3),
        burst: z
          .strictObject({ edits: count.default(5), windowSeconds: count.default(300) })
          .prefault({})
          .describe("Anomaly: more than `edits` self-edits within `windowSeconds`."),
      })
      .prefault({}),
    circuitBreaker: z
      .strictObject({
        failureThreshold: count.default(5),
        halfOpenAfterSeconds: count.default(300),
        successThreshold: count.default(3),
      })
      .prefault({}),
    emergencyStop: z.boolean().default(false).describe("When true the app starts no new self-edits."),
    roles: z
      .strictObject({
        request: names.default(["@everyone"]),
        vote: names.default(["@everyone"]),
        rollback: names.default(["Ouro Maintainer"]),
        stop: names.default(["Ouro Maintainer", "Ouro Admin"]),
      })
      .prefault({})
      .describe("Discord role names allowed each capability."),
    github: z
      .strictObject({
        allowedCommenters: names.default([]).describe("Logins whose PR comments the agent acts on (in addition to minPermission)."),
        approvers: names
          .default([])
          .describe(
            "Logins the policy names as approvers: a Discord request whose requester has linked no GitHub login (`/link github`) needs one approval from one of them, a code owner of the changed paths, or a user with maintain or admin.",
          ),
        minPermission: z.enum(["read", "triage", "write", "maintain", "admin"]).default("write"),
        dismissStaleApprovals: z
          .boolean()
          .default(true)
          .describe("Approvals of an earlier commit than the PR head do not count, and are dismissed on GitHub when the branch moves."),
      })
      .prefault({}),
    votes: z
      .strictObject({
        required: count.default(0).describe("Discord votes a self-edit needs before merge."),
        windowSeconds: count
          .default(86_400)
          .describe("How long a change's vote stays open, counted from when its pull request opens; later votes are refused. 0: no limit."),
        countsAsApproval: z
          .boolean()
          .default(false)
          .describe("When true, a passed vote counts as one approval at risk low (or safe); never at medium or above."),
      })
      .prefault({}),
    deploy: z
      .strictObject({
        watchWindowSeconds: count.default(60),
        maxErrorRate: z.number().min(0).max(1).default(0.05),
        healthTimeoutSeconds: count.default(10),
      })
      .prefault({}),
    selfDebug: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "When true, a runtime error the bot reports starts a fix request by itself (its issue tracks the change): one per error, never during the emergency stop or while the circuit breaker is open.",
          ),
        maxPerDay: count.default(3).describe("Most fixes self-debugging starts in any 24 hours."),
      })
      .prefault({})
      .describe("Self-debugging: from a runtime error's issue to a fix request without a human."),
  })
  .superRefine((policy, ctx) => {
    // an override of a rule that does not exist is a typo, not a no-op
    const known = new Set<string>([
      ...RULE_IDS,
      ...BUILTIN_SECRET_NAMES.map((n) => `secrets/${n}`),
      ...policy.secrets.patterns.map((p) => `secrets/${p.name}`),
    ]);
    for (const id of Object.keys(policy.overrides)) {
      if (!known.has(id)) ctx.addIssue({ code: "custom", path: ["overrides", id], message: `unknown rule id "${id}"` });
    }
  })
  .describe("Ouro policy (policies/*.yml)");

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
