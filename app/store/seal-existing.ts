// Migration 3's data step: rows written before personal data was sealed (personal.ts) are
// sealed in place — the changes' personal columns, audit details, voters and the dashboard
// body — and given the keyed hashes that /forget finds them by. Runs once, in the migration's
// transaction: all rows are sealed, or none.
import type { Db } from "../../contract/storage/engine.ts";
import type { Row } from "./database.ts";
import { auditAad, changeAad, DASHBOARD_BODY_AAD, SEALED_CHANGE_COLUMNS, subjectOf } from "./personal.ts";
import type { PersonalData } from "./personal.ts";

export function sealExistingRows(db: Db, p: PersonalData): void {
  const cols = SEALED_CHANGE_COLUMNS;
  for (const r of db.prepare(`SELECT id, target_key, ${cols.join(", ")} FROM changes`).all() as Row[]) {
    const id = String(r.id);
    const sealed = cols.map((c) => (typeof r[c] === "string" ? p.seal(r[c], changeAad(id, c)) : (r[c] as null)));
    const key = typeof r.requester_key === "string" ? r.requester_key : null;
    db.prepare(`UPDATE changes SET ${cols.map((c) => `${c} = ?`).join(", ")}, requester_hash = ?, target_key = ? WHERE id = ?`).run(
      ...sealed,
      key === null ? null : p.hash(key),
      p.targetKey(typeof r.target_key === "string" ? r.target_key : null),
      id,
    );
  }
  for (const r of db.prepare("SELECT seq, change_id, detail FROM audit").all() as Row[]) {
    if (typeof r.detail !== "string") continue;
    let subject: string | null = null;
    try {
      const detail = JSON.parse(r.detail) as unknown;
      if (detail && typeof detail === "object") subject = subjectOf(detail as Record<string, unknown>);
    } catch {
      // an unreadable detail is sealed as it is
    }
    db.prepare("UPDATE audit SET detail = ?, subject = ? WHERE seq = ?").run(
      p.seal(r.detail, auditAad(String(r.change_id))),
      subject === null ? null : p.hash(subject),
      Number(r.seq),
    );
  }
  for (const r of db.prepare("SELECT change_id, voter FROM votes").all() as Row[])
    db.prepare("UPDATE votes SET voter = ? WHERE change_id = ? AND voter = ?").run(
      p.hash(String(r.voter)),
      String(r.change_id),
      String(r.voter),
    );
  const body = db.prepare("SELECT value FROM keys WHERE key = 'dashboard:body'").get() as Row | undefined;
  if (body && typeof body.value === "string")
    db.prepare("UPDATE keys SET value = ? WHERE key = 'dashboard:body'").run(p.seal(body.value, DASHBOARD_BODY_AAD));
}
