// The chat pane (local mode): act as a Discord user of the seeded guild through the Discord
// stand-in's driver API. Being built; see the plan in the commit that adds it.
import type { PaneHandler } from "../page.ts";

export interface ChatPaneOptions {
  /** The Discord stand-in's driver base, e.g. http://127.0.0.1:PORT/_driver */
  driverUrl: string;
  /** The seeded guild's id. */
  guildId: string;
  /** The people of local mode (role → username). */
  people: Record<string, string>;
}

export function createChatPane(_o: ChatPaneOptions): PaneHandler {
  return async (_req, res) => {
    res.writeHead(501, { "content-type": "text/plain; charset=utf-8" }).end("the chat pane is not built yet");
  };
}
