// What every request to the chat pane must pass: it is served on the loopback address only (a
// page from another site whose name points at 127.0.0.1 is refused), and an action (POST) comes
// from this page itself — never from another site's form or script.
import type { IncomingMessage } from "node:http";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const MAX_FORM_BYTES = 64 * 1024;

/** Why the request is refused, in plain words; undefined when it may go on. */
export function refusal(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? "";
  const hostname = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  if (!LOOPBACK.has(hostname)) return `This page answers on its loopback address only, not on “${host}”.`;
  if (req.method !== "POST") return undefined;
  const site = req.headers["sec-fetch-site"];
  const origin = req.headers.origin;
  if ((site !== undefined && site !== "same-origin") || (origin !== undefined && origin !== `http://${host}`))
    return "Refused: this action was sent from another site, not from the chat page itself. Nothing was run.";
  return undefined;
}

/** The posted form (application/x-www-form-urlencoded); throws with plain words otherwise. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim();
  if (type !== "application/x-www-form-urlencoded")
    throw new Error(`Send the form as application/x-www-form-urlencoded, not “${type || "nothing"}”.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error(`The form is larger than ${MAX_FORM_BYTES / 1024} KiB.`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
