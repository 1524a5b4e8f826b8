// Logging through pino (to stderr); requests and deliveries are logged at debug level.
import { pino } from "pino";

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level = "warn"): Logger {
  const p = pino({ level, base: { standin: "github" } }, pino.destination({ fd: 2, sync: true }));
  return {
    debug: (m) => p.debug(m),
    info: (m) => p.info(m),
    warn: (m) => p.warn(m),
    error: (m) => p.error(m),
  };
}
