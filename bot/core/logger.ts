// One pino logger for the bot; child loggers per event carry their context.
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "ouro-bot", level });
}
