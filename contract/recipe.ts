// A recipe: a change the agent makes with deterministic code and no model (a slash command,
// an auto-response, a setting). One schema, strict, used by the bot (/feature), on the
// bot ⇄ app wire (contract/app-link.ts), in the stored change request and by the agent:
// anything that fails here gets a clear error and nothing is touched. Names become plugin
// and command names; triggers must run in RE2 (the bot core) and RegExp (plugin tests).
import { RE2JS } from "re2js";
import { z } from "zod";
import { SETTING_KEYS, type BotSettings } from "./settings.ts";
import { hasHiddenOrControl, visibleText } from "./untrusted-text.ts";

/** A plugin name (it is also the command's name): 2–32 lowercase letters, digits, dashes. */
export const NAME = /^[a-z][a-z0-9-]{1,31}$/;
/** Discord option names: lowercase, 1–32 chars. */
export const OPTION_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const name = z.string().regex(NAME, { message: "must be 2–32 lowercase letters, digits and dashes, starting with a letter" });
const description = visibleText(100).refine((s) => !s.includes("\n"), { message: "must be one line" });

export const commandOptionSchema = z
  .object({
    name: z.string().regex(OPTION_NAME, { message: `must match ${OPTION_NAME}` }),
    description,
    type: z.enum(["string", "integer", "number", "boolean", "user"]).default("string"),
    required: z.boolean().default(false),
  })
  .strict();

export const embedSchema = z
  .object({
    title: visibleText(256),
    description: visibleText(4000).optional(),
    /** 0xRRGGBB */
    color: z.number().int().min(0).max(0xffffff).optional(),
  })
  .strict();

const addCommand = z
  .object({
    kind: z.literal("add-command"),
    name,
    description,
    options: z.array(commandOptionSchema).max(10).default([]),
    /** Static reply; `{option}` is replaced by that option's value. */
    reply: visibleText(2000).optional(),
    embed: embedSchema.optional(),
  })
  .strict()
  .refine((r) => (r.reply === undefined) !== (r.embed === undefined), { message: "give exactly one of reply or embed", path: ["reply"] })
  .refine((r) => new Set(r.options.map((o) => o.name)).size === r.options.length, {
    message: "option names must be unique",
    path: ["options"],
  })
  .refine((r) => r.options.every((o, i) => !o.required || r.options.slice(0, i).every((p) => p.required)), {
    message: "required options must come before optional ones (Discord's rule)",
    path: ["options"],
  });

/** Patterns that nest quantifiers, e.g. (a+)+, can backtrack catastrophically in JavaScript's RegExp (plugin tests use it). */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;

/**
 * Compiles a responder trigger as the bot core does (RE2, case-insensitive: linear time, so
 * no backreferences or lookaround) and as plugin tests do (a JavaScript RegExp, flag "i").
 * Throws a readable error when either engine refuses it.
 */
export function compileTrigger(pattern: string): { core: RE2JS; test: RegExp } {
  let test: RegExp;
  try {
    test = new RegExp(pattern, "i");
  } catch (e) {
    throw new Error(`is not a valid regular expression: ${(e as Error).message}`, { cause: e });
  }
  let core: RE2JS;
  try {
    core = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, "");
    throw new Error(
      `is not a pattern RE2 can run (the bot matches triggers with RE2, in linear time: no backreferences like \\1, no lookahead or lookbehind like (?=…) or (?<!…)): ${why}`,
      { cause: e },
    );
  }
  return { core, test };
}

/** Whether `text` matches the trigger in the core (RE2) and in a plugin test (RegExp). */
export function matchTrigger(pattern: string, text: string): { core: boolean; test: boolean } {
  const { core, test } = compileTrigger(pattern);
  return { core: core.matcher(text).find(), test: test.test(text) };
}

/** True when the trigger matches `text` in either engine. */
export function triggerMatches(pattern: string, text: string): boolean {
  const m = matchTrigger(pattern, text);
  return m.core || m.test;
}

/** A case-insensitive regular expression; plain words match as text (e.g. "good morning"). */
const trigger = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !hasHiddenOrControl(s), { message: "must not contain control, zero-width or bidi characters" })
  .refine((s) => !NESTED_QUANTIFIER.test(s), {
    message: "nested quantifiers like (a+)+ are refused (catastrophic backtracking in plugin tests)",
  })
  .superRefine((s, ctx) => {
    try {
      compileTrigger(s);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });

const addResponder = z
  .object({
    kind: z.literal("add-responder"),
    name,
    description: description.optional(),
    trigger,
    reply: visibleText(2000),
    /** Messages that must trigger it; they become the generated test's cases. */
    examples: z.array(visibleText(500)).max(10).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    try {
      compileTrigger(r.trigger);
    } catch {
      return; // reported on trigger
    }
    r.examples.forEach((ex, i) => {
      const m = matchTrigger(r.trigger, ex);
      if (!m.core && !m.test)
        ctx.addIssue({ code: "custom", path: ["examples", i], message: `does not match the trigger /${r.trigger}/i` });
      else if (!m.core || !m.test)
        ctx.addIssue({
          code: "custom",
          path: ["examples", i],
          message: `matches the trigger /${r.trigger}/i in ${m.core ? "RE2 (the bot)" : "JavaScript (the tests)"} but not in ${m.core ? "JavaScript (the tests)" : "RE2 (the bot)"}: use syntax both read the same way`,
        });
    });
  });

const setSetting = z
  .object({
    kind: z.literal("set-setting"),
    key: z.enum(SETTING_KEYS as [keyof BotSettings, ...(keyof BotSettings)[]], {
      error: (iss) => `unknown setting ${JSON.stringify(iss.input)}; known settings: ${SETTING_KEYS.join(", ")}`,
    }),
    /** Typed as the setting is (contract/settings.ts); the agent checks it against that schema. */
    value: z.union([z.string().max(200), z.number(), z.boolean()]),
  })
  .strict();

export const recipeSchema = z.discriminatedUnion("kind", [addCommand, addResponder, setSetting]);

export type Recipe = z.infer<typeof recipeSchema>;
/** What a caller may give (defaults such as `options: []` not yet applied). */
export type RecipeInput = z.input<typeof recipeSchema>;
export type AddCommandRecipe = Extract<Recipe, { kind: "add-command" }>;
export type AddResponderRecipe = Extract<Recipe, { kind: "add-responder" }>;
export type SetSettingRecipe = Extract<Recipe, { kind: "set-setting" }>;
