// ClientReady: log who we are.
import { Events } from "discord.js";
import { defineEvent } from "./event.ts";

export const event = defineEvent({
  name: Events.ClientReady,
  once: true,
  execute(ctx, client) {
    ctx.log.info({ user: client.user.tag, guilds: client.guilds.cache.size }, "ready");
  },
});
