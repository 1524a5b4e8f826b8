// What the console asks of the store that the store's repositories have no function for:
// one page of changes (optionally in one state), newest first, with the total. The ids come
// from the plain (unsealed) columns; each row is then read through the store's own byId, so
// sealed fields are opened the one way the store opens them. Also the policy findings the
// PR's verdict was stored with (the stored verdict keeps them; the merge gate reads only its
// decision), read through a schema.
import { z } from "zod";
import type { Store } from "../store/store.ts";
import type { ChangeRow } from "../store/changes.ts";
import type { ChangeState } from "../lifecycle/states.ts";

export interface ChangePage {
  rows: ChangeRow[];
  total: number;
  page: number;
  pages: number;
}

/** Page `page` (1-based) of the changes, most recently updated first. */
export function changePage(store: Store, opts: { state?: ChangeState; page: number; perPage: number }): ChangePage {
  const where = opts.state ? "WHERE state = ?" : "";
  const args = opts.state ? [opts.state] : [];
  const total = Number((store.db.prepare(`SELECT COUNT(*) AS n FROM changes ${where}`).get(...args) as { n: number }).n);
  const pages = Math.max(1, Math.ceil(total / opts.perPage));
  const page = Math.min(Math.max(1, opts.page), pages);
  const ids = store.db
    .prepare(`SELECT id FROM changes ${where} ORDER BY updated_at DESC, created_at DESC, id LIMIT ? OFFSET ?`)
    .all(...args, opts.perPage, (page - 1) * opts.perPage) as { id: string }[];
  const rows = ids.flatMap(({ id }) => {
    const c = store.changes.byId(String(id));
    return c ? [c] : [];
  });
  return { rows, total, page, pages };
}

/** The `limit` most recently updated changes in these states (only those rows are read and opened). */
export function recentInStates(store: Store, states: readonly ChangeState[], limit: number, kind?: "change" | "revert"): ChangeRow[] {
  const ids = store.db
    .prepare(
      `SELECT id FROM changes WHERE state IN (${states.map(() => "?").join(", ")})${kind ? " AND kind = ?" : ""} ORDER BY updated_at DESC, id LIMIT ?`,
    )
    .all(...states, ...(kind ? [kind] : []), limit) as { id: string }[];
  return ids.flatMap(({ id }) => {
    const c = store.changes.byId(String(id));
    return c ? [c] : [];
  });
}

/** How many changes are in each state. */
export function stateCounts(store: Store): Map<string, number> {
  const rows = store.db.prepare("SELECT state, COUNT(*) AS n FROM changes GROUP BY state").all() as { state: string; n: number }[];
  return new Map(rows.map((r) => [String(r.state), Number(r.n)]));
}

/** Whether the change's personal data was erased (retention or /forget). */
export function erasedAt(store: Store, id: string): number | null {
  const r = store.db.prepare("SELECT erased_at FROM changes WHERE id = ?").get(id) as { erased_at: number | null } | undefined;
  return r?.erased_at == null ? null : Number(r.erased_at);
}

const findingSchema = z.object({
  rule: z.string(),
  severity: z.enum(["info", "warning", "error"]).catch("info"),
  file: z.string().optional().catch(undefined),
  line: z.number().int().optional().catch(undefined),
  message: z.string().catch(""),
});
export type StoredFinding = z.infer<typeof findingSchema>;
const findingsSchema = z.object({ findings: z.array(findingSchema).catch([]), mode: z.string().optional().catch(undefined) });

/** The findings of the verdict the change's PR was opened with (empty when none is stored). */
export function storedFindings(store: Store, id: string): { findings: StoredFinding[]; mode?: string } {
  const r = store.db.prepare("SELECT verdict_json FROM changes WHERE id = ?").get(id) as { verdict_json: string | null } | undefined;
  if (!r?.verdict_json) return { findings: [] };
  try {
    const p = findingsSchema.safeParse(JSON.parse(r.verdict_json));
    return p.success ? p.data : { findings: [] };
  } catch {
    return { findings: [] };
  }
}
