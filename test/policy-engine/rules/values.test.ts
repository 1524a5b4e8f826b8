// Static resolution (what an expression refers to) and host extraction, table-driven.
import { describe, expect, it } from "vitest";
import type { Node } from "../../../policy-engine/rules/code/ast.ts";
import { parseCode } from "../../../policy-engine/rules/code/parse.ts";
import { Scope } from "../../../policy-engine/rules/code/values.ts";
import { hostAllowed, hostFromPrefix } from "../../../policy-engine/rules/code/hosts.ts";

/** Resolves the last expression statement of `code` after binding the declarations before it. */
function resolveLast(code: string): string | undefined {
  const { program, error } = parseCode("x.ts", code);
  if (error) throw new Error(`does not parse: ${error.message}`);
  const scope = new Scope();
  let last: Node | undefined;
  for (const st of program.body) {
    if (st.type === "VariableDeclaration") {
      for (const d of st.declarations) {
        if (d.id.type === "Identifier" && d.init) {
          const path = scope.resolve(d.init);
          if (path !== undefined) scope.aliases.set(d.id.name, path);
          const s = scope.fold(d.init);
          if (s !== undefined) scope.bindString(d.id.name, s);
        }
      }
    } else if (st.type === "ExpressionStatement") last = st.expression;
  }
  return last ? scope.resolve(last) : undefined;
}

describe("Scope.resolve", () => {
  it.each([
    ["eval", "eval"],
    ["(0, eval)", "eval"],
    ["window.eval", "eval"],
    ["globalThis.globalThis.eval", "eval"],
    ['globalThis["ev" + "al"]', "eval"],
    ["const k = `ev${'al'}`; globalThis[k]", "eval"],
    ["Function.prototype.constructor", "Function"],
    ["(() => {}).constructor", "Function"],
    ["x.constructor.constructor", "Function"],
    ['require("node:fs").promises.writeFile', "module:fs/promises#writeFile"],
    ['require("fs").default.rm', "module:fs#rm"],
    ['const p = require("node:process"); p.env.X', "process.env.X"],
    ["const e = process.env; e.TOKEN", "process.env.TOKEN"],
    ["(x as any) ?? fetch", "fetch"],
    ["cond ? console.log : eval", "eval"],
    ["eval.bind(null)", "eval"],
    ["myObject.eval", undefined],
    ["this.constructor", "<constructor>"],
    ["globalThis[name]", undefined],
  ])("%s → %s", (code, expected) => {
    expect(resolveLast(code)).toBe(expected);
  });

  it("forgets a const string bound to two different values (unknown, not the last one)", () => {
    expect(resolveLast('const k = "x"; const k = "eval"; globalThis[k]')).toBeUndefined();
  });
});

describe("hosts", () => {
  const allowed = ["discord.com", "*.discordapp.com"];
  it.each([
    ["discord.com", true],
    ["DISCORD.COM.", true],
    ["api.discord.com", false],
    ["cdn.discordapp.com", true],
    ["discordapp.com", false],
    ["evildiscordapp.com", false],
    ["discord.com.evil.example", false],
  ])("hostAllowed(%s) → %s", (host, expected) => {
    expect(hostAllowed(allowed, host)).toBe(expected);
  });

  it.each([
    ["https://discord.com/api", true, "discord.com"],
    ["https://user@evil.example/", true, "evil.example"],
    ["https://discord.com\\@evil.example/", true, "discord.com"],
    ["file:///etc/passwd", true, ""],
    ["https://discord.com/", false, "discord.com"],
    ["https://discord.com", false, undefined],
    ["https://discord.com:", false, undefined],
    ["https://discord.com\\", false, undefined],
    ["https://", false, undefined],
    ["/relative", true, undefined],
  ])("hostFromPrefix(%j, complete %s) → %s", (prefix, complete, host) => {
    expect(hostFromPrefix(prefix, complete)).toBe(host);
  });
});
