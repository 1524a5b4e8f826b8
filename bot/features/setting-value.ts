// /feature set-setting takes the value as typed; settings are typed (contract/settings.ts).
// Turn "true", "1500" or "playful" into the setting's type and check it before asking the app.
import { z } from "zod";
import { botSettingsSchema, SETTING_KEYS, type BotSettings } from "../../contract/settings.ts";

export type SettingValue = string | number | boolean;

export function parseSettingValue(key: string, raw: string): { ok: true; value: SettingValue } | { ok: false; error: string } {
  if (!(SETTING_KEYS as string[]).includes(key))
    return { ok: false, error: `unknown setting "${key}"; known settings: ${SETTING_KEYS.join(", ")}` };
  const field = botSettingsSchema.shape[key as keyof BotSettings];
  const text = raw.trim();
  const candidates: SettingValue[] = [text];
  if (/^(true|false|on|off|yes|no)$/i.test(text)) candidates.unshift(/^(true|on|yes)$/i.test(text));
  if (/^-?\d+(\.\d+)?$/.test(text)) candidates.unshift(Number(text));
  let lastError = "";
  for (const value of candidates) {
    const r = field.safeParse(value);
    if (r.success) return { ok: true, value: r.data as SettingValue };
    lastError = z.prettifyError(r.error);
  }
  return { ok: false, error: `"${raw}" is not a valid value for ${key}:\n${lastError}` };
}
