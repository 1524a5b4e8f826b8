// Reading request bodies: JSON, or multipart/form-data (`payload_json` + `files[n]`) as discord.js sends with attachments.
import type { IncomingMessage } from "node:http";
import type { UploadedFile } from "./messages.ts";
import { DiscordHttpError } from "./errors.ts";

const MAX_BODY = 26 * 1024 * 1024;

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new DiscordHttpError(413, 40005, "Request entity too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readRaw(req);
  const type = req.headers["content-type"] ?? "";
  if (raw.length === 0) return { json: undefined, files: [] };
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { "content-type": type } }).formData();
    } catch {
      throw new DiscordHttpError(400, 50109, "The request body contains invalid JSON.");
    }
    let json: unknown = {};
    const files: UploadedFile[] = [];
    for (const [name, value] of form.entries()) {
      if (name === "payload_json" && typeof value === "string") json = parseJson(value);
      else if (typeof value !== "string") {
        const m = /^files\[(\d+)\]$/.exec(name) ?? /^file(\d*)$/.exec(name);
        files.push({
          index: m?.[1] || String(files.length),
          filename: value.name,
          contentType: value.type || "application/octet-stream",
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, files };
  }
  return { json: parseJson(raw.toString("utf8")), files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DiscordHttpError(400, 50109, "The request body contains invalid JSON.");
  }
}
