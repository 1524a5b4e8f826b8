// Slash commands as the chat pane offers them: each registered command (guild and global) becomes
// one or more choosable entries ("name", "name sub", "name group sub") with the options to fill
// in; and a submitted form becomes the options to run with, or an error in plain words.
import { ApplicationCommandOptionType as T } from "discord-api-types/v10";
import type { APIApplicationCommand, APIApplicationCommandOption } from "discord-api-types/v10";

/** A leaf option: what the form asks for. */
export interface OptionSpec {
  name: string;
  description: string;
  type: T;
  required: boolean;
  choices?: { name: string; value: string | number }[];
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
}

export interface CommandEntry {
  /** "name", "name sub" or "name group sub": the value of the form's Command select. */
  value: string;
  name: string;
  /** "sub" or "group sub", as the driver takes it. */
  subcommand?: string;
  description: string;
  options: OptionSpec[];
}

/** Every chat-input command as entries, in registration order. */
export function commandEntries(commands: APIApplicationCommand[]): CommandEntry[] {
  const out: CommandEntry[] = [];
  for (const c of commands) {
    if ((c.type ?? 1) !== 1) continue;
    const opts = c.options ?? [];
    const subs = opts.filter((o) => o.type === T.Subcommand || o.type === T.SubcommandGroup);
    if (subs.length === 0) {
      out.push({ value: c.name, name: c.name, description: c.description, options: leaves(opts) });
      continue;
    }
    for (const s of subs) {
      if (s.type === T.Subcommand)
        out.push({
          value: `${c.name} ${s.name}`,
          name: c.name,
          subcommand: s.name,
          description: s.description,
          options: leaves(s.options ?? []),
        });
      else if (s.type === T.SubcommandGroup)
        for (const sub of s.options ?? [])
          out.push({
            value: `${c.name} ${s.name} ${sub.name}`,
            name: c.name,
            subcommand: `${s.name} ${sub.name}`,
            description: sub.description,
            options: leaves(sub.options ?? []),
          });
    }
  }
  return out;
}

function leaves(opts: readonly APIApplicationCommandOption[]): OptionSpec[] {
  return opts.map((o) => {
    const a = o as unknown as {
      required?: boolean;
      choices?: { name: string; value: string | number }[];
      min_value?: number;
      max_value?: number;
      min_length?: number;
      max_length?: number;
    };
    return {
      name: o.name,
      description: o.description,
      type: o.type,
      required: a.required === true,
      ...(a.choices?.length ? { choices: a.choices } : {}),
      ...(a.min_value !== undefined ? { minValue: a.min_value } : {}),
      ...(a.max_value !== undefined ? { maxValue: a.max_value } : {}),
      ...(a.min_length !== undefined ? { minLength: a.min_length } : {}),
      ...(a.max_length !== undefined ? { maxLength: a.max_length } : {}),
    };
  });
}

/** The form's `opt.<name>` fields → the options to run with; throws an Error with plain words for bad input. */
export function optionsFromForm(entry: CommandEntry, form: URLSearchParams): Record<string, string | number | boolean> {
  const slash = `/${entry.value}`;
  const given = new Map<string, string>();
  for (const [key, value] of form) if (key.startsWith("opt.")) given.set(key.slice(4), value.trim());
  const unknown = [...given.keys()].filter((k) => !entry.options.some((o) => o.name === k));
  if (unknown.length) throw new Error(`${slash} has no option called ${unknown.map((k) => `“${k}”`).join(", ")}.`);
  const out: Record<string, string | number | boolean> = {};
  for (const o of entry.options) {
    const text = given.get(o.name) ?? "";
    if (o.type === T.Boolean) {
      if (text !== "" || o.required) out[o.name] = text === "true" || text === "on";
      continue;
    }
    if (text === "") {
      if (o.required) throw new Error(`${slash} needs “${o.name}” (${o.description}). Fill it in and run it again.`);
      continue;
    }
    out[o.name] = value(slash, o, text);
  }
  return out;
}

function value(slash: string, o: OptionSpec, text: string): string | number {
  const what = `“${o.name}” of ${slash}`;
  if (o.type === T.Attachment) throw new Error(`${what} takes a file, which this page cannot send.`);
  if (o.choices) {
    const choice = o.choices.find((c) => String(c.value) === text);
    if (!choice) throw new Error(`${what} must be one of: ${o.choices.map((c) => c.name).join(", ")}.`);
    return choice.value;
  }
  if (o.type === T.Integer || o.type === T.Number) {
    const n = Number(text);
    if (!Number.isFinite(n) || (o.type === T.Integer && !Number.isInteger(n)))
      throw new Error(`${what} must be ${o.type === T.Integer ? "a whole number" : "a number"}, not “${text}”.`);
    if (o.minValue !== undefined && n < o.minValue) throw new Error(`${what} must be at least ${o.minValue}.`);
    if (o.maxValue !== undefined && n > o.maxValue) throw new Error(`${what} must be at most ${o.maxValue}.`);
    return n;
  }
  if (o.type === T.String) {
    if (o.minLength !== undefined && text.length < o.minLength) throw new Error(`${what} must be at least ${o.minLength} characters.`);
    if (o.maxLength !== undefined && text.length > o.maxLength) throw new Error(`${what} must be at most ${o.maxLength} characters.`);
  }
  return text;
}
