// Recipe: an auto-response (trigger pattern → reply) as a plugin with its test, registered.
// The trigger is an RE2 pattern string (the request schema has checked that RE2 runs it):
// the core matches it in linear time and only matching messages reach the plugin.
import { VariableDeclarationKind, type SourceFile } from "ts-morph";
import { triggerMatches, type AddResponderRecipe } from "../../../contract/recipe.ts";
import { literal, type EditSession } from "./project.ts";
import { registerPlugin } from "./registry.ts";

/** Messages tried, in order, for the generated test's "stays quiet" case. */
const QUIET_CANDIDATES = ["an unrelated message", "zzz", "12345", "?"];

export function addResponder(session: EditSession, r: AddResponderRecipe, requestId: string): string[] {
  const dir = `bot/plugins/${r.name}`;
  if (session.exists(dir)) throw new Error(`a plugin folder ${dir} already exists; pick another name`);
  writePlugin(session.create(`${dir}/index.ts`), r, requestId);
  writeTest(session.create(`${dir}/${r.name}.test.ts`), r);
  registerPlugin(session, r.name);
  return [`${dir}/index.ts`, `${dir}/${r.name}.test.ts`, "bot/plugins/index.ts"];
}

function writePlugin(sf: SourceFile, r: AddResponderRecipe, requestId: string): void {
  sf.addImportDeclaration({ namedImports: ["definePlugin"], moduleSpecifier: "../../plugin-api/index.ts" });
  sf.insertStatements(0, `// "${r.name}" auto-response: added by Ouro's add-responder recipe (change ${requestId}).`);
  sf.addVariableStatements([
    {
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["RE2 syntax, matched case-insensitively by the core against the messages the bot reads."],
      declarations: [{ name: "TRIGGER", initializer: literal(r.trigger) }],
    },
    { isExported: true, declarationKind: VariableDeclarationKind.Const, declarations: [{ name: "REPLY", initializer: literal(r.reply) }] },
  ]);
  const description = r.description ?? `Replies to messages matching /${r.trigger}/i`.slice(0, 200);
  sf.addExportAssignment({
    isExportEquals: false,
    expression: (w) =>
      w
        .write("definePlugin(")
        .inlineBlock(() => {
          w.writeLine(`name: ${literal(r.name)},`);
          w.writeLine(`description: ${literal(description)},`);
          w.writeLine(`responders: [{ name: ${literal(r.name)}, trigger: TRIGGER, flags: "i", respond: () => REPLY }],`);
        })
        .write(")"),
  });
}

function writeTest(sf: SourceFile, r: AddResponderRecipe): void {
  sf.addImportDeclaration({ namedImports: ["describe", "expect", "it"], moduleSpecifier: "vitest" });
  sf.addImportDeclaration({ namedImports: ["runResponder"], moduleSpecifier: "../../plugin-api/testing.ts" });
  sf.addImportDeclaration({ defaultImport: "plugin", namedImports: ["REPLY", "TRIGGER"], moduleSpecifier: "./index.ts" });
  const quiet = QUIET_CANDIDATES.find((c) => !triggerMatches(r.trigger, c));
  const short = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
  sf.addStatements((w) =>
    w
      .newLine()
      .write(`describe(${literal(`${r.name} responder`)}, () => `)
      .inlineBlock(() => {
        w.write(`it("is registered with its trigger and reply", () => `)
          .inlineBlock(() => {
            w.writeLine(
              `expect(plugin.responders?.map((x) => ({ name: x.name, trigger: x.trigger, flags: x.flags }))).toEqual([{ name: ${literal(r.name)}, trigger: ${literal(r.trigger)}, flags: "i" }]);`,
            );
            w.writeLine(`expect(TRIGGER).toBe(${literal(r.trigger)});`);
            w.writeLine(`expect(REPLY).toBe(${literal(r.reply)});`);
          })
          .write(");")
          .newLine();
        for (const ex of r.examples) {
          w.blankLine()
            .write(`it(${literal(`answers ${short(ex)}`)}, async () => `)
            .inlineBlock(() => {
              w.writeLine(`expect(await runResponder(plugin, ${literal(r.name)}, ${literal(ex)})).toBe(${literal(r.reply)});`);
            })
            .write(");")
            .newLine();
        }
        if (quiet !== undefined) {
          w.blankLine()
            .write(`it(${literal(`stays quiet on ${quiet}`)}, async () => `)
            .inlineBlock(() => {
              w.writeLine(`expect(await runResponder(plugin, ${literal(r.name)}, ${literal(quiet)})).toBeUndefined();`);
            })
            .write(");")
            .newLine();
        }
      })
      .write(");"),
  );
}
