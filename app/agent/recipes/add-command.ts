// Recipe: a slash command with a static reply (with {option} placeholders) or an embed,
// as a plugin folder with its vitest test, registered in the plugin registry.
import { VariableDeclarationKind, type CodeBlockWriter, type SourceFile } from "ts-morph";
import type { AddCommandRecipe } from "../request.ts";
import { literal, type EditSession } from "./project.ts";
import { registerPlugin } from "./registry.ts";

const OPTION_ADDER = {
  string: "addStringOption",
  integer: "addIntegerOption",
  number: "addNumberOption",
  boolean: "addBooleanOption",
  user: "addUserOption",
} as const;

const SAMPLE = { string: (n: string) => `sample ${n}`, integer: () => 7, number: () => 2.5, boolean: () => true, user: () => "123456789012345678" } as const;

/** The same substitution the generated plugin does at run time (kept in step by its test). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z][a-z0-9_-]*)\}/g, (whole, key: string) => values[key] ?? whole);
}

export function addCommand(session: EditSession, r: AddCommandRecipe, requestId: string): string[] {
  const dir = `bot/plugins/${r.name}`;
  if (session.exists(dir)) throw new Error(`a plugin folder ${dir} already exists; pick another name`);
  const index = session.create(`${dir}/index.ts`);
  const test = session.create(`${dir}/${r.name}.test.ts`);
  writePlugin(index, r, requestId);
  writeTest(test, r);
  registerPlugin(session, r.name);
  return [`${dir}/index.ts`, `${dir}/${r.name}.test.ts`, "bot/plugins/index.ts"];
}

function writePlugin(sf: SourceFile, r: AddCommandRecipe, requestId: string): void {
  sf.addImportDeclaration({ namedImports: r.embed ? ["EmbedBuilder", "SlashCommandBuilder"] : ["SlashCommandBuilder"], moduleSpecifier: "discord.js" });
  sf.addImportDeclaration({ namedImports: ["definePlugin"], moduleSpecifier: "../../core/plugin.ts" });
  sf.insertStatements(0, `// /${r.name}: added by Ouro's add-command recipe (change ${requestId}).`);

  if (r.embed) {
    const embed = r.embed;
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [
        {
          name: "EMBED",
          initializer: (w) =>
            w.inlineBlock(() => {
              w.writeLine(`title: ${literal(embed.title)},`);
              if (embed.description !== undefined) w.writeLine(`description: ${literal(embed.description)},`);
              if (embed.color !== undefined) w.writeLine(`color: 0x${embed.color.toString(16).padStart(6, "0")},`);
            }),
        },
      ],
    });
  } else {
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: "REPLY", initializer: literal(r.reply!) }],
    });
    sf.addFunction({
      isExported: true,
      name: "fill",
      docs: ["Replaces {option} placeholders with the values the user gave."],
      parameters: [
        { name: "template", type: "string" },
        { name: "values", type: "Record<string, string>" },
      ],
      returnType: "string",
      statements: [`return template.replace(/\\{([a-z][a-z0-9_-]*)\\}/g, (whole, key: string) => values[key] ?? whole);`],
    });
  }

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: "data", initializer: (w) => writeBuilder(w, r) }],
  });

  const reply = r.embed
    ? "await interaction.reply({ embeds: [new EmbedBuilder(EMBED)] });"
    : [
        "const values = Object.fromEntries(interaction.options.data.map((o) => [o.name, String(o.value ?? \"\")]));",
        "// No pings from user-supplied text.",
        "await interaction.reply({ content: fill(REPLY, values), allowedMentions: { parse: [] } });",
      ].join("\n");

  sf.addExportAssignment({
    isExportEquals: false,
    expression: (w) =>
      w.write("definePlugin(").inlineBlock(() => {
        w.writeLine(`name: ${literal(r.name)},`);
        w.writeLine(`description: ${literal(r.description)},`);
        w.write("commands: [").newLine();
        w.indent(() => {
          w.inlineBlock(() => {
            w.writeLine("data,");
            w.write("async execute(interaction) ").inlineBlock(() => w.write(reply)).write(",").newLine();
          });
          w.write(",").newLine();
        });
        w.writeLine("],");
      }).write(")"),
  });
}

function writeBuilder(w: CodeBlockWriter, r: AddCommandRecipe): void {
  w.write("new SlashCommandBuilder()").indent(() => {
    w.writeLine(`.setName(${literal(r.name)})`);
    w.write(`.setDescription(${literal(r.description)})`);
    for (const o of r.options) {
      w.newLine().write(
        `.${OPTION_ADDER[o.type]}((option) => option.setName(${literal(o.name)}).setDescription(${literal(o.description)}).setRequired(${o.required}))`,
      );
    }
  });
}

function writeTest(sf: SourceFile, r: AddCommandRecipe): void {
  sf.addImportDeclaration({ namedImports: ["describe", "expect", "it"], moduleSpecifier: "vitest" });
  sf.addImportDeclaration({ defaultImport: "plugin", moduleSpecifier: "./index.ts" });

  const samples = r.options.map((o) => ({ name: o.name, value: SAMPLE[o.type](o.name) }));
  const expectedJson = {
    name: r.name,
    description: r.description,
    options: r.options.map((o) => ({ name: o.name, description: o.description, required: o.required })),
  };
  let expectedReply: string;
  if (r.embed) {
    const embedJson = { title: r.embed.title, ...(r.embed.description !== undefined ? { description: r.embed.description } : {}), ...(r.embed.color !== undefined ? { color: r.embed.color } : {}) };
    expectedReply = `expect((replies[0] as { embeds: { toJSON(): unknown }[] }).embeds[0].toJSON()).toEqual(${JSON.stringify(embedJson)});`;
  } else {
    const content = fill(r.reply!, Object.fromEntries(samples.map((s) => [s.name, String(s.value)])));
    expectedReply = `expect(replies).toEqual([{ content: ${literal(content)}, allowedMentions: { parse: [] } }]);`;
  }

  sf.addStatements((w) =>
    w.write(`describe(${literal(`${r.name} plugin`)}, () => `).inlineBlock(() => {
      w.write(`it(${literal(`defines /${r.name}`)}, () => `).inlineBlock(() => {
        w.writeLine("const command = plugin.commands![0];");
        w.writeLine("const json = command.data.toJSON() as { name: string; description: string; options?: { name: string; description: string; required?: boolean }[] };");
        w.writeLine(`expect(plugin.name).toBe(${literal(r.name)});`);
        w.writeLine(`expect({ name: json.name, description: json.description, options: (json.options ?? []).map((o) => ({ name: o.name, description: o.description, required: o.required ?? false })) }).toEqual(${JSON.stringify(expectedJson)});`);
      }).write(");").newLine().blankLine();
      w.write(`it("replies as configured", async () => `).inlineBlock(() => {
        w.writeLine("const replies: unknown[] = [];");
        w.writeLine(`const interaction = { options: { data: ${JSON.stringify(samples)} }, reply: async (r: unknown) => void replies.push(r) };`);
        w.writeLine("await plugin.commands![0].execute(interaction as never);");
        w.writeLine("expect(replies).toHaveLength(1);");
        w.writeLine(expectedReply);
      }).write(");").newLine();
    }).write(");"),
  );
}
