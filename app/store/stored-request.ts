// The change request as stored with its change (the `request_json` column) and read back:
// through contract/change-request.ts's one schema. Rows written before the request was stored
// whole (`{ recipe, origin, discordId, roles }`) are rebuilt from that and the row's columns,
// then checked by the same schema. Reverts have no request (null).
import { z } from "zod";
import { changeRequestSchema } from "../../contract/change-request.ts";
import type { ChangeRequest } from "../../contract/change-request.ts";

/** What the app stored before the whole ChangeRequest was kept. */
const legacySchema = z.object({
  recipe: z.unknown().optional(),
  origin: z.unknown().optional(),
  discordId: z.string().optional(),
  roles: z.array(z.string()).optional(),
});

/** The row's own columns a legacy request is rebuilt from. */
export interface RequestColumns {
  id: string;
  source: string;
  requester: string;
  requesterLogin: string | null;
  text: string;
}

export function readStoredRequest(json: unknown, row: RequestColumns): ChangeRequest | null {
  const whole = changeRequestSchema.safeParse(json);
  if (whole.success) return whole.data;
  const legacy = legacySchema.safeParse(json);
  if (!legacy.success || row.source === "rollback") return null;
  const l = legacy.data;
  const requester =
    row.source === "discord"
      ? { source: "discord", id: l.discordId, name: row.requester, roles: l.roles ?? [] }
      : { source: "github", id: row.requesterLogin, name: row.requester, login: row.requesterLogin, roles: l.roles ?? [] };
  const rebuilt = changeRequestSchema.safeParse({
    id: row.id,
    requester,
    text: row.text,
    ...(l.recipe !== undefined ? { recipe: l.recipe } : {}),
    ...(l.origin !== undefined ? { origin: l.origin } : {}),
  });
  return rebuilt.success ? rebuilt.data : null;
}
