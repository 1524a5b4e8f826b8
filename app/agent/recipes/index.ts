// Deterministic recipes: the common requests need no model. Each returns the files it
// produced; the caller writes them all at once (or none).
import type { Recipe } from "../../../contract/recipe.ts";
import { addCommand } from "./add-command.ts";
import { addResponder } from "./add-responder.ts";
import { editSession } from "./project.ts";
import { setSetting } from "./set-setting.ts";

export interface RecipeOutput {
  files: Map<string, string>;
  /** Test files the recipe added or changed. */
  tests: string[];
  /** One line on what changed and why, for the PR body. */
  summary: string;
}

export function applyRecipe(root: string, recipe: Recipe, requestId: string): RecipeOutput {
  const session = editSession(root);
  switch (recipe.kind) {
    case "add-command":
      addCommand(session, recipe, requestId);
      return out(
        session.outputs(),
        `Adds the /${recipe.name} slash command (${recipe.embed ? "an embed" : "a static reply"}${recipe.options.length ? ` with ${recipe.options.length} option(s)` : ""}) as the \`${recipe.name}\` plugin, with a test, and registers it.`,
      );
    case "add-responder":
      addResponder(session, recipe, requestId);
      return out(
        session.outputs(),
        `Adds the \`${recipe.name}\` auto-response: messages matching \`/${recipe.trigger}/i\` get a fixed reply; with a test, registered in the plugin registry.`,
      );
    case "set-setting":
      setSetting(session, recipe);
      return out(
        session.outputs(),
        `Sets the bot setting \`${recipe.key}\` to \`${JSON.stringify(recipe.value)}\` (validated against the core settings schema) and pins it in a test.`,
      );
  }
}

function out(files: Map<string, string>, summary: string): RecipeOutput {
  return { files, tests: [...files.keys()].filter((f) => f.endsWith(".test.ts")), summary };
}
