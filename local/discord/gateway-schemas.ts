// Schemas for what a client may send on the gateway (op 1, 2, 3, 4, 6, 8).
import { z } from "zod";

export const sendPayload = z.object({ op: z.number().int(), d: z.unknown().optional() }).passthrough();

export const identifyData = z.object({
  token: z.string(),
  intents: z.number().int().nonnegative(),
  properties: z.object({ os: z.string(), browser: z.string(), device: z.string() }),
  compress: z.boolean().optional(),
  large_threshold: z.number().int().min(50).max(250).optional(),
  shard: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
  presence: z.unknown().optional(),
});

export const resumeData = z.object({ token: z.string(), session_id: z.string(), seq: z.number().int().nonnegative().nullable() });

export const heartbeatData = z.number().int().nullable();

export const requestGuildMembersData = z.object({
  guild_id: z.string(),
  query: z.string().optional(),
  limit: z.number().int().nonnegative().optional(),
  presences: z.boolean().optional(),
  user_ids: z.union([z.string(), z.array(z.string())]).optional(),
  nonce: z.string().optional(),
});
