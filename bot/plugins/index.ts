// The explicit plugin registry: every capability the bot has is listed here,
// so every new one shows in a pull request's diff.
import type { Plugin } from "../core/plugin.ts";
import ping from "./ping/index.ts";

export const plugins: Plugin[] = [ping];
