// Every event the bot listens to.
import type { BotEvent } from "./event.ts";
import { event as ready } from "./ready.ts";
import { event as interactionCreate } from "./interaction-create.ts";
import { event as messageCreate } from "./message-create.ts";

export const events: BotEvent[] = [ready, interactionCreate, messageCreate] as BotEvent[];
