// Recipe: set one bot setting in bot/plugins/settings.json (data the core reads: parsed,
// changed, validated against the core schema, written back as 2-space JSON), with a test
// pinning the value. The test reads settings.json itself: plugin tests cannot import the core.
import { SyntaxKind, type SourceFile } from "ts-morph";
import { z } from "zod";
import { botSettingsSchema, resolveSettings, SETTING_KEYS } from "../../../contract/settings.ts";
import type { SetSettingRecipe } from "../../../contract/recipe.ts";
import { literal, type EditSession } from "./project.ts";

export const SETTINGS_FILE = "bot/plugins/settings.json";
export const SETTINGS_VALUES_TEST = "bot/plugins/settings-values.test.ts";

export function validateSetting(key: string, value: unknown): void {
  if (!(SETTING_KEYS as string[]).includes(key)) {
    throw new Error(`unknown setting "${key}"; known settings: ${SETTING_KEYS.join(", ")}`);
  }
  const field = botSettingsSchema.shape[key as keyof typeof botSettingsSchema.shape];
  const parsed = field.safeParse(value);
  if (!parsed.success) throw new Error(`invalid value ${JSON.stringify(value)} for setting "${key}":\n${z.prettifyError(parsed.error)}`);
}

/** The settings file's values as an object (a missing file is an empty one: the core's defaults). */
export function readSettingsJson(session: EditSession): Record<string, unknown> {
  if (!session.exists(SETTINGS_FILE)) return {};
  let values: unknown;
  try {
    values = JSON.parse(session.readText(SETTINGS_FILE));
  } catch (e) {
    throw new Error(`${SETTINGS_FILE} is not valid JSON (${(e as Error).message}); fix it by hand first`, { cause: e });
  }
  if (typeof values !== "object" || values === null || Array.isArray(values)) throw new Error(`${SETTINGS_FILE} must hold a JSON object`);
  return values as Record<string, unknown>;
}

export function setSetting(session: EditSession, r: SetSettingRecipe): string[] {
  validateSetting(r.key, r.value);
  const values = { ...readSettingsJson(session), [r.key]: r.value };
  resolveSettings(values); // the whole file, as the core will read it
  session.writeText(SETTINGS_FILE, `${JSON.stringify(values, null, 2)}\n`);
  const test = session.exists(SETTINGS_VALUES_TEST) ? session.open(SETTINGS_VALUES_TEST) : newValuesTest(session);
  upsertPinned(test, r.key, literal(r.value));
  return [SETTINGS_FILE, SETTINGS_VALUES_TEST];
}

function newValuesTest(session: EditSession): SourceFile {
  const sf = session.create(SETTINGS_VALUES_TEST);
  sf.replaceWithText(
    [
      "// Values chosen by set-setting requests: each is pinned here so a later change to it shows in review.",
      'import { describe, expect, it } from "vitest";',
      'import settings from "./settings.json" with { type: "json" };',
      "",
      'describe("chosen bot settings", () => {});',
      "",
    ].join("\n"),
  );
  return sf;
}

/** One `it("<key> is chosen", …)` per key inside the describe block; replaced when it exists. */
function upsertPinned(sf: SourceFile, key: string, value: string): void {
  const describe = sf.getDescendantsOfKind(SyntaxKind.CallExpression).find((c) => c.getExpression().getText() === "describe");
  const body = describe?.getArguments()[1]?.asKind(SyntaxKind.ArrowFunction)?.getBody().asKind(SyntaxKind.Block);
  if (!body) throw new Error(`${SETTINGS_VALUES_TEST} has no describe(…, () => { … }) block`);
  const title = literal(`${key} is chosen`);
  for (const st of body.getStatements()) {
    const call = st.asKind(SyntaxKind.ExpressionStatement)?.getExpression().asKind(SyntaxKind.CallExpression);
    if (call?.getExpression().getText() === "it" && call.getArguments()[0]?.getText() === title) st.remove();
  }
  body.addStatements(`it(${title}, () => {\n  expect(settings.${key}).toBe(${value});\n});`);
}
