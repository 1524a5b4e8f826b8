// Recipe: a slash command with a static reply (with {option} placeholders) or an embed,
// as a plugin folder with its vitest test, registered in the plugin registry. The plugin
// uses only the plugin API (bot/plugin-api/index.ts): options as data, a reply through `call`.
import { VariableDeclarationKind, type SourceFile } from "ts-morph";
import type { AddCommandRecipe } from "../../../contract/recipe.ts";
import { literal, type EditSession } from "./project.ts";
import { registerPlugin } from "./registry.ts";

const SAMPLE = {
  string: (n: string) => `sample ${n}`,
  integer: () => 7,
  number: () => 2.5,
  boolean: () => true,
  user: () => "123456789012345678",
} as const;

type OptionValue = string | number | boolean;

/** The same substitution the generated plugin does at run time (kept in step by its test). */
export function fill(template: string, values: Readonly<Record<string, OptionValue>>): string {
  return template.replace(/\{([a-z][a-z0-9_-]*)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? String(values[key]) : whole));
}

/** What the generated plugin fills in: a `user` option's value (an id) becomes a mention. */
export function shown(r: AddCommandRecipe, values: Readonly<Record<string, OptionValue>>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = { ...values };
  for (const o of r.options) if (o.type === "user" && out[o.name] !== undefined) out[o.name] = `<@${out[o.name]}>`;
  return out;
}

/** An object key as written in code: bare when it is an identifier. */
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : literal(name));
const objectLiteral = (entries: [string, OptionValue][]) =>
  entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v)}`).join(", ")} }`;

function optionLiterals(r: AddCommandRecipe): string[] {
  return r.options.map((o) => {
    const fields: [string, OptionValue][] = [
      ["name", o.name],
      ["description", o.description],
      ["type", o.type],
    ];
    if (o.required) fields.push(["required", true]);
    return objectLiteral(fields);
  });
}

function embedLiteral(embed: NonNullable<AddCommandRecipe["embed"]>): string {
  const parts = [`title: ${literal(embed.title)}`];
  if (embed.description !== undefined) parts.push(`description: ${literal(embed.description)}`);
  if (embed.color !== undefined) parts.push(`color: 0x${embed.color.toString(16).padStart(6, "0")}`);
  return `{ ${parts.join(", ")} }`;
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
  sf.addImportDeclaration({
    namedImports: r.embed ? ["definePlugin", "type Embed"] : ["definePlugin", "type OptionValue"],
    moduleSpecifier: "../../plugin-api/index.ts",
  });
  sf.insertStatements(0, `// /${r.name}: added by Ouro's add-command recipe (change ${requestId}).`);

  let run: string;
  if (r.embed) {
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: "EMBED", type: "Embed", initializer: embedLiteral(r.embed) }],
    });
    run = "await call.reply({ embeds: [EMBED] });";
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
        { name: "values", type: "Readonly<Record<string, OptionValue>>" },
      ],
      returnType: "string",
      statements: [
        "return template.replace(/\\{([a-z][a-z0-9_-]*)\\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? String(values[key]) : whole));",
      ],
    });
    const users = r.options.filter((o) => o.type === "user");
    if (users.length === 0) run = "await call.reply({ content: fill(REPLY, call.options) });";
    else {
      run = [
        "// A user option's value is the user's id: shown as a mention (replies never ping).",
        "const values = { ...call.options };",
        ...users.map(
          (o) => `if (values[${literal(o.name)}] !== undefined) values[${literal(o.name)}] = \`<@\${values[${literal(o.name)}]}>\`;`,
        ),
        "await call.reply({ content: fill(REPLY, values) });",
      ].join("\n");
    }
  }

  const options = optionLiterals(r);
  sf.addExportAssignment({
    isExportEquals: false,
    expression: (w) =>
      w
        .write("definePlugin(")
        .inlineBlock(() => {
          w.writeLine(`name: ${literal(r.name)},`);
          w.writeLine(`description: ${literal(r.description)},`);
          w.write("commands: [").newLine();
          w.indent(() => {
            w.inlineBlock(() => {
              w.writeLine(`name: ${literal(r.name)},`);
              w.writeLine(`description: ${literal(r.description)},`);
              if (options.length > 0) {
                w.write("options: [").newLine();
                w.indent(() => options.forEach((o) => w.writeLine(`${o},`)));
                w.writeLine("],");
              }
              w.write("async run(call) ")
                .inlineBlock(() => w.write(run))
                .write(",")
                .newLine();
            });
            w.write(",").newLine();
          });
          w.writeLine("],");
        })
        .write(")"),
  });
}

function writeTest(sf: SourceFile, r: AddCommandRecipe): void {
  sf.addImportDeclaration({ namedImports: ["describe", "expect", "it"], moduleSpecifier: "vitest" });
  sf.addImportDeclaration({ namedImports: ["runCommand"], moduleSpecifier: "../../plugin-api/testing.ts" });
  sf.addImportDeclaration({ defaultImport: "plugin", moduleSpecifier: "./index.ts" });

  const samples = Object.fromEntries(r.options.map((o) => [o.name, SAMPLE[o.type](o.name)])) as Record<string, OptionValue>;
  const message = r.embed ? `{ embeds: [${embedLiteral(r.embed)}] }` : `{ content: ${literal(fill(r.reply!, shown(r, samples)))} }`;
  const definition = [
    `name: ${literal(r.name)}`,
    `description: ${literal(r.description)}`,
    `options: ${r.options.length > 0 ? `[${optionLiterals(r).join(", ")}]` : "undefined"}`,
  ];

  sf.addStatements((w) =>
    w
      .newLine()
      .write(`describe(${literal(`${r.name} plugin`)}, () => `)
      .inlineBlock(() => {
        w.write(`it(${literal(`defines /${r.name}`)}, () => `)
          .inlineBlock(() => {
            w.writeLine(`expect(plugin.name).toBe(${literal(r.name)});`);
            w.writeLine(
              `expect(plugin.commands?.map((c) => ({ name: c.name, description: c.description, options: c.options }))).toEqual([{ ${definition.join(", ")} }]);`,
            );
          })
          .write(");")
          .newLine()
          .blankLine();
        w.write(`it("replies as configured", async () => `)
          .inlineBlock(() => {
            const init = r.options.length > 0 ? `, { options: ${objectLiteral(Object.entries(samples))} }` : "";
            w.writeLine(`expect(await runCommand(plugin, ${literal(r.name)}${init})).toEqual([{ kind: "reply", message: ${message} }]);`);
          })
          .write(");")
          .newLine();
      })
      .write(");"),
  );
}
