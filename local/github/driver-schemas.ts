// Request bodies of the HTTP driver (/_driver/…), checked with zod: a bad body is a 422
// naming each problem, and nothing changes.
import { z } from "zod";
import { HttpError } from "./router.ts";

export const UserBody = z.object({ login: z.string().min(1) });
export const RepoBody = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
  fromDir: z.string().min(1).optional(),
  defaultBranch: z.string().min(1).optional(),
  ownerType: z.enum(["User", "Organization"]).optional(),
  description: z.string().optional(),
});
export const AppBody = z.object({
  name: z.string().min(1).optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(1).optional(),
  events: z.array(z.string().min(1)).optional(),
  callbackUrls: z.array(z.url()).max(10).optional(),
});
export const InstallBody = z.object({
  appId: z.number().int().positive(),
  repo: z.string().regex(/^[^/\s]+(\/[^/\s]+)?$/, "owner or owner/name"),
});
export const AsBody = z.object({
  method: z.enum(["GET", "POST", "PATCH", "PUT", "DELETE", "get", "post", "patch", "put", "delete"]),
  path: z.string().startsWith("/"),
  body: z.unknown().optional(),
});

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ field: i.path.join(".") || "(body)", code: i.code, message: i.message }));
  throw new HttpError(422, `Invalid driver request: ${z.prettifyError(r.error).replace(/\n/g, " ")}`, { errors });
}
