// Recipe: an auto-response (trigger pattern → reply) as a plugin with its test, registered.
import { VariableDeclarationKind, type SourceFile } from "ts-morph";
import type { AddResponderRecipe } from "../request.ts";
import { literal, type EditSession } from "./project.ts";
import { registerPlugin } from "./registry.ts";

export function addResponder(session: EditSession, r: AddResponderRecipe, requestId: string): string[] {
  const dir = `bot/plugins/${r.name}`;
  if (session.exists(dir)) throw new Error(`a plugin folder ${dir} already exists; pick another name`);
  writePlugin(session.create(`${dir}/index.ts`), r, requestId);
  writeTest(session.create(`${dir}/${r.name}.test.ts`), r);
  registerPlugin(session, r.name);
  return [`${dir}/index.ts`, `${dir}/${r.name}.test.ts`, "bot/plugins/index.ts"];
}

function writePlugin(sf: SourceFile, r: AddResponderRecipe, requestId: string): void {
  sf.addImportDeclaration({ namedImports: ["definePlugin"], moduleSpecifier: "../../core/plugin.ts" });
  sf.insertStatements(0, `// "${r.name}" auto-response: added by Ouro's add-responder recipe (change ${requestId}).`);
  sf.addVariableStatements([
    {
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["Case-insensitive; checked against every message the bot can read."],
      declarations: [{ name: "TRIGGER", initializer: `new RegExp(${literal(r.trigger)}, "i")` }],
    },
    { isExported: true, declarationKind: VariableDeclarationKind.Const, declarations: [{ name: "REPLY", initializer: literal(r.reply) }] },
  ]);
  const description = r.description ?? `Replies to messages matching /${r.trigger}/i`;
  sf.addExportAssignment({
    isExportEquals: false,
    expression: (w) =>
      w.write("definePlugin(").inlineBlock(() => {
        w.writeLine(`name: ${literal(r.name)},`);
        w.writeLine(`description: ${literal(description)},`);
        w.writeLine(`responders: [{ name: ${literal(r.name)}, trigger: TRIGGER, respond: () => REPLY }],`);
      }).write(")"),
  });
}

function writeTest(sf: SourceFile, r: AddResponderRecipe): void {
  sf.addImportDeclaration({ namedImports: ["describe", "expect", "it"], moduleSpecifier: "vitest" });
  sf.addImportDeclaration({ defaultImport: "plugin", namedImports: ["REPLY"], moduleSpecifier: "./index.ts" });
  const message = (content: string) => `{ content: ${literal(content)}, authorId: "1", channelId: "2" }`;
  sf.addStatements((w) =>
    w.write(`describe(${literal(`${r.name} responder`)}, () => `).inlineBlock(() => {
      w.write(`it("is registered with its trigger and reply", async () => `).inlineBlock(() => {
        w.writeLine("const responder = plugin.responders![0];");
        w.writeLine(`expect(responder.trigger.source).toBe(${literal(new RegExp(r.trigger, "i").source)});`);
        w.writeLine(`expect(responder.trigger.flags).toContain("i");`);
        w.writeLine(`expect(await responder.respond(${message("x")})).toBe(${literal(r.reply)});`);
        w.writeLine(`expect(REPLY).toBe(${literal(r.reply)});`);
      }).write(");").newLine();
      for (const ex of r.examples) {
        w.blankLine().write(`it(${literal(`answers ${ex.length > 40 ? `${ex.slice(0, 40)}…` : ex}`)}, () => `).inlineBlock(() => {
          w.writeLine(`expect(plugin.responders![0].trigger.test(${literal(ex)})).toBe(true);`);
        }).write(");").newLine();
      }
    }).write(");"),
  );
}
