// What a plugin sends (the plugin API's `Reply`), checked at the boundary and turned into a
// discord.js payload by the core. Files are bytes only (never a path or a URL the bot would
// read or fetch), links are https only, and nothing a plugin sends pings anyone.
import { AttachmentBuilder, ButtonStyle, ComponentType, MessageFlags, type InteractionReplyOptions } from "discord.js";
import { z } from "zod";

const MAX_FILE_BYTES = 8 * 1024 * 1024;

const httpsUrl = z.url({ protocol: /^https$/, error: "links must be https URLs" }).max(512);

const embedSchema = z.strictObject({
  title: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  url: httpsUrl.optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  fields: z
    .array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().optional() }))
    .max(25)
    .optional(),
  footer: z.string().max(2048).optional(),
});

const fileSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w.-]+$/, "file names are letters, digits, dots, dashes and underscores"),
  data: z.union([z.instanceof(Uint8Array), z.string()]),
});

export const messageSchema = z
  .strictObject({
    content: z.string().max(2000).optional(),
    embeds: z.array(embedSchema).max(10).optional(),
    buttons: z
      .array(z.strictObject({ label: z.string().min(1).max(80), url: httpsUrl }))
      .max(5)
      .optional(),
    files: z.array(fileSchema).max(4).optional(),
    ephemeral: z.boolean().optional(),
  })
  .refine(
    (m) =>
      (m.files ?? []).reduce((n, f) => n + (typeof f.data === "string" ? Buffer.byteLength(f.data) : f.data.byteLength), 0) <=
      MAX_FILE_BYTES,
    "files may hold 8 MiB in all",
  )
  .refine(
    (m) => Boolean(m.content) || (m.embeds?.length ?? 0) > 0 || (m.files?.length ?? 0) > 0,
    "a message needs content, an embed or a file",
  );

export const replySchema = z.union([z.string().min(1).max(2000), messageSchema]);

/** Parses what a plugin sent; throws a readable error naming what is wrong. */
export function toPayload(raw: unknown): InteractionReplyOptions & { ephemeral: boolean } {
  const parsed = replySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`not a valid message: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`);
  const m = typeof parsed.data === "string" ? { content: parsed.data } : parsed.data;
  return {
    content: m.content,
    embeds: m.embeds?.map((e) => ({
      title: e.title,
      description: e.description,
      url: e.url,
      color: e.color,
      fields: e.fields,
      footer: e.footer ? { text: e.footer } : undefined,
    })),
    components: m.buttons?.length
      ? [
          {
            type: ComponentType.ActionRow,
            components: m.buttons.map((b) => ({ type: ComponentType.Button, style: ButtonStyle.Link, label: b.label, url: b.url })),
          },
        ]
      : undefined,
    files: m.files?.map(
      (f) => new AttachmentBuilder(Buffer.from(typeof f.data === "string" ? Buffer.from(f.data) : f.data), { name: f.name }),
    ),
    allowedMentions: { parse: [] },
    flags: m.ephemeral ? MessageFlags.Ephemeral : undefined,
    ephemeral: m.ephemeral === true,
  };
}
