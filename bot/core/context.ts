// What core commands and events share. Built once by createBot.
import type { Client } from "discord.js";
import type { BotConfig } from "../config.ts";
import type { BotSettings } from "../../contract/settings.ts";
import type { Memory } from "../memory/store.ts";
import type { OuroAppLink } from "../app-link/link.ts";
import type { Permissions } from "../permissions/capabilities.ts";
import type { Plugins } from "../plugin-host/plugins.ts";
import type { BotMetrics } from "../health/metrics.ts";
import type { ProgressBoard } from "../progress/board.ts";
import type { Conversation } from "../conversation/conversation.ts";
import type { Logger } from "./logger.ts";
import type { HandoverGate } from "./handover-gate.ts";

export interface BotContext {
  client: Client;
  config: BotConfig;
  settings: BotSettings;
  memory: Memory;
  appLink: OuroAppLink;
  permissions: Permissions;
  /** Plugin commands, responders and tools, run in the sandboxed plugin host. */
  plugins: Plugins;
  metrics: BotMetrics;
  progress: ProgressBoard;
  conversation: Conversation;
  log: Logger;
  /** During a deploy: whether this process answers a given event. */
  handover: HandoverGate;
  startedAt: number;
}
