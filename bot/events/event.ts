// An event module as in the discord.js guide: one file per event, registered in index.ts.
import type { ClientEvents } from "discord.js";
import type { BotContext } from "../core/context.ts";

export interface BotEvent<K extends keyof ClientEvents = keyof ClientEvents> {
  name: K;
  once?: boolean;
  execute(ctx: BotContext, ...args: ClientEvents[K]): Promise<void> | void;
}

export const defineEvent = <K extends keyof ClientEvents>(e: BotEvent<K>): BotEvent<K> => e;
