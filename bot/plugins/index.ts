// The explicit plugin registry: every capability the bot has is listed here,
// so every new one shows in a pull request's diff. Loaded only by the plugin host.
import type { Plugin } from "../plugin-api/index.ts";
import ping from "./ping/index.ts";

export const plugins: Plugin[] = [ping];
