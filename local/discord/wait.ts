// Event-driven waiting on the stand-in's state, with a timeout whose error says what was awaited.
import type { Store } from "./store.ts";

/**
 * How long a wait lasts by default. It only bounds a failure (a wait ends at the change it
 * waits for), so it is generous: a loaded machine must not turn a slow answer into a failure.
 */
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface WaitOptions {
  timeoutMs?: number;
}

/** Waits until `check` returns a value, re-checking on every store change. */
export function until<T>(store: Store, check: () => T | undefined, timeoutMs = DEFAULT_TIMEOUT_MS, what: () => string): Promise<T> {
  const now = check();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const events = [
      "message:create",
      "message:update",
      "message:delete",
      "thread:create",
      "channel:update",
      "reaction",
      "interaction",
    ] as const;
    const onChange = () => {
      const v = check();
      if (v !== undefined) {
        done();
        resolve(v);
      }
    };
    const onClosed = () => {
      done();
      reject(new Error(`discord stand-in: closed while waiting for ${what()}`));
    };
    const done = () => {
      clearTimeout(timer);
      for (const e of events) store.off(e, onChange);
      store.off("closed", onClosed);
    };
    for (const e of events) store.on(e, onChange);
    store.once("closed", onClosed);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`discord stand-in: timed out after ${timeoutMs} ms waiting for ${what()}`));
    }, timeoutMs);
  });
}
