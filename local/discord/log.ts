// Debug logging for the stand-in: pino, silent unless DEBUG_STANDINS / LOG_LEVEL asks for it.
import { pino } from "pino";

export type Logger = Pick<pino.Logger, "debug" | "info" | "warn" | "error">;

export function makeLogger(level?: string): Logger {
  const lvl = level ?? (process.env.DEBUG_STANDINS ? "debug" : (process.env.LOG_LEVEL ?? "silent"));
  return pino({ name: "local-discord", level: lvl });
}
