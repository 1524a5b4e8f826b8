// Recipe: set one bot setting in bot/plugins/settings.ts (an object literal, edited on the
// syntax tree), validated against the core schema, with a test pinning the value.
import { SyntaxKind, type ObjectLiteralExpression, type SourceFile } from "ts-morph";
import { botSettingsSchema, SETTING_KEYS } from "../../../bot/core/settings.ts";
import type { SetSettingRecipe } from "../request.ts";
import { literal, type EditSession } from "./project.ts";

export const SETTINGS_FILE = "bot/plugins/settings.ts";
export const SETTINGS_VALUES_TEST = "bot/plugins/settings-values.test.ts";

export function validateSetting(key: string, value: unknown): void {
  if (!(SETTING_KEYS as string[]).includes(key)) {
    throw new Error(`unknown setting "${key}"; known settings: ${SETTING_KEYS.join(", ")}`);
  }
  const field = botSettingsSchema.shape[key as keyof typeof botSettingsSchema.shape];
  const parsed = field.safeParse(value);
  if (!parsed.success) throw new Error(`invalid value ${JSON.stringify(value)} for setting "${key}": ${parsed.error.issues.map((i) => i.message).join("; ")}`);
}

export function setSetting(session: EditSession, r: SetSettingRecipe): string[] {
  validateSetting(r.key, r.value);
  const sf = session.open(SETTINGS_FILE);
  const obj = sf.getVariableDeclaration("settings")?.getInitializerIfKind(SyntaxKind.ObjectLiteralExpression);
  if (!obj) throw new Error(`${SETTINGS_FILE} has no \`settings\` object literal`);
  upsertProperty(obj, r.key, literal(r.value));
  const files = [SETTINGS_FILE];
  const test = session.exists(SETTINGS_VALUES_TEST) ? session.open(SETTINGS_VALUES_TEST) : newValuesTest(session);
  upsertPinned(test, r.key, literal(r.value));
  files.push(SETTINGS_VALUES_TEST);
  return files;
}

export function upsertProperty(obj: ObjectLiteralExpression, key: string, initializer: string): void {
  const existing = obj.getProperty(key) ?? obj.getProperty(literal(key));
  if (existing?.isKind(SyntaxKind.PropertyAssignment)) existing.setInitializer(initializer);
  else if (existing) throw new Error(`settings.${key} is not a plain property; refusing to rewrite it`);
  else obj.addPropertyAssignment({ name: key, initializer });
}

function newValuesTest(session: EditSession): SourceFile {
  const sf = session.create(SETTINGS_VALUES_TEST);
  sf.addImportDeclaration({ namedImports: ["describe", "expect", "it"], moduleSpecifier: "vitest" });
  sf.addImportDeclaration({ namedImports: ["resolveSettings"], moduleSpecifier: "../core/settings.ts" });
  sf.addImportDeclaration({ namedImports: ["settings"], moduleSpecifier: "./settings.ts" });
  sf.insertStatements(0, "// Values chosen by set-setting requests: each is pinned here so a later change to it shows in review.");
  sf.addStatements((w) => w.write(`describe("chosen bot settings", () => `).inlineBlock(() => w.writeLine("const resolved = resolveSettings(settings);")).write(");"));
  return sf;
}

/** One `it("<key> is chosen", …)` per key inside the describe block; replaced when it exists. */
function upsertPinned(sf: SourceFile, key: string, value: string): void {
  const describe = sf
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .find((c) => c.getExpression().getText() === "describe");
  const body = describe?.getArguments()[1]?.asKind(SyntaxKind.ArrowFunction)?.getBody().asKind(SyntaxKind.Block);
  if (!body) throw new Error(`${SETTINGS_VALUES_TEST} has no describe(…, () => { … }) block`);
  const title = literal(`${key} is chosen`);
  for (const st of body.getStatements()) {
    const call = st.asKind(SyntaxKind.ExpressionStatement)?.getExpression().asKind(SyntaxKind.CallExpression);
    if (call?.getExpression().getText() === "it" && call.getArguments()[0]?.getText() === title) st.remove();
  }
  body.addStatements(`it(${title}, () => {\n  expect(resolved.${key}).toBe(${value});\n});`);
}
