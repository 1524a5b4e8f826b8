// What a change request changes, so that requests which would make the same change meet
// while one is open: a recipe names its target (a plugin folder `bot/plugins/<name>` for a
// command or a responder, a key of the settings file); free text names none, so its target is
// that requester's own request (the same words, normalised). Intake joins a request to the
// open change with the same target when it asks for the same thing, and refuses it with a
// link to that change when it asks for something else there (lifecycle/intake.ts).
import { createHash } from "node:crypto";
import { requesterKey } from "../../contract/change-request.ts";
import type { ChangeRequest } from "../../contract/change-request.ts";
import type { Recipe } from "../../contract/recipe.ts";

export interface Target {
  /** Stored with the change (`target_key`): `plugin:<name>`, `setting:<key>` or `text:<requester>:<hash>`. */
  key: string;
  /** The target as people read it, e.g. "the plugin `hello`". */
  what: string;
  /** Two requests with the same target and the same fingerprint ask for the same change. */
  fingerprint: string;
}

/** Free text as compared: same letters whatever the case, spacing or Unicode form. */
export function normaliseText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 24);

/** JSON with keys sorted at every level: equal recipes give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

function recipeKey(r: Recipe): string {
  switch (r.kind) {
    case "add-command":
    case "add-responder":
      return `plugin:${r.name}`;
    case "set-setting":
      return `setting:${r.key}`;
  }
}

/** The target of a (validated) change request. */
export function targetOf(request: ChangeRequest): Target {
  if (request.recipe) {
    const key = recipeKey(request.recipe);
    return { key, what: describeTarget(key), fingerprint: sha(canonical(request.recipe)) };
  }
  const text = sha(normaliseText(request.text));
  return { key: `text:${requesterKey(request.requester)}:${text}`, what: "the same request", fingerprint: text };
}

/** A stored target key as people read it. */
export function describeTarget(key: string): string {
  const [kind, name] = key.split(":");
  if (kind === "plugin") return `the plugin \`${name}\``;
  if (kind === "setting") return `the setting \`${name}\``;
  return "what this change asks for";
}
