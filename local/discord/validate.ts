// zod → Discord's 400 "Invalid Form Body" (code 50035) with per-field errors.
import type { z } from "zod";
import { invalidFormBody } from "./errors.ts";

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, prefix: (string | number)[] = []): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw invalidFormBody(
    r.error.issues.map((i) => ({
      path: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
      message: i.message,
      code: i.code === "too_big" ? "BASE_TYPE_MAX_LENGTH" : i.code === "invalid_type" ? "BASE_TYPE_REQUIRED" : "BASE_TYPE_INVALID",
    })),
  );
}
