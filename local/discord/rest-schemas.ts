// Schemas for REST request bodies (validated before anything changes: a bad body is a 400/50035).
import { z } from "zod";
import { componentIssues } from "./components.ts";

const snowflake = z.string().regex(/^\d{1,20}$/, "Value is not snowflake.");

const embed = z
  .object({
    title: z.string().max(256).optional(),
    description: z.string().max(4096).optional(),
    url: z.string().optional(),
    color: z.number().int().optional(),
    fields: z
      .array(z.object({ name: z.string().max(256), value: z.string().max(1024), inline: z.boolean().optional() }))
      .max(25)
      .optional(),
  })
  .passthrough();

/** Components are stored as sent; buttons are checked enough to click them later. */
const component: z.ZodType<Record<string, unknown>> = z.lazy(() =>
  z
    .object({
      type: z.number().int(),
      custom_id: z.string().max(100).optional(),
      components: z.array(component).optional(),
    })
    .passthrough(),
);

function checkComponents(
  body: { components?: unknown[] | null; flags?: number | null; embeds?: unknown[] | null },
  ctx: z.RefinementCtx,
): void {
  for (const issue of componentIssues(body.components, body.flags))
    ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  const embedChars = (body.embeds ?? []).reduce<number>((n, e) => n + embedLength(e as Record<string, unknown>), 0);
  if (embedChars > 6000) ctx.addIssue({ code: "custom", path: ["embeds"], message: "Embed size exceeds maximum size of 6000" });
}

function embedLength(e: Record<string, unknown>): number {
  const str = (v: unknown) => (typeof v === "string" ? v.length : 0);
  const fields = (e.fields as { name?: unknown; value?: unknown }[] | undefined) ?? [];
  return (
    str(e.title) +
    str(e.description) +
    str((e.footer as { text?: unknown } | undefined)?.text) +
    str((e.author as { name?: unknown } | undefined)?.name) +
    fields.reduce((n, f) => n + str(f.name) + str(f.value), 0)
  );
}

/** An attachment named by a body: a new upload's index ("0") or a kept attachment's id. discord.js sends nulls for unset fields. */
const attachmentRef = z
  .object({ id: z.union([snowflake, z.number()]), filename: z.string().nullish(), description: z.string().max(1024).nullish() })
  .passthrough();

export const messageBody = z
  .object({
    content: z.string().max(2000, "Must be 2000 or fewer in length.").optional(),
    nonce: z.union([z.string(), z.number()]).optional(),
    tts: z.boolean().optional(),
    embeds: z.array(embed).max(10).optional(),
    allowed_mentions: z.unknown().optional(),
    message_reference: z
      .object({
        message_id: snowflake.optional(),
        channel_id: snowflake.optional(),
        fail_if_not_exists: z.boolean().optional(),
        type: z.number().optional(),
      })
      .passthrough()
      .optional(),
    components: z.array(component).max(40).optional(),
    sticker_ids: z.array(snowflake).optional(),
    attachments: z.array(attachmentRef).optional(),
    flags: z.number().int().optional(),
    poll: z.unknown().optional(),
    enforce_nonce: z.boolean().optional(),
    thread_name: z.string().optional(),
  })
  .passthrough()
  .superRefine(checkComponents);
export type MessageBody = z.infer<typeof messageBody>;

/** PATCH bodies: same fields, all nullable (null clears). */
export const messageEditBody = z
  .object({
    content: z.string().max(2000, "Must be 2000 or fewer in length.").nullable().optional(),
    embeds: z.array(embed).max(10).nullable().optional(),
    flags: z.number().int().nullable().optional(),
    allowed_mentions: z.unknown().optional(),
    components: z.array(component).max(40).nullable().optional(),
    attachments: z.array(attachmentRef).nullable().optional(),
    poll: z.unknown().optional(),
  })
  .passthrough()
  .superRefine(checkComponents);
export type MessageEditBody = z.infer<typeof messageEditBody>;

export const autocompleteResult = z.object({
  choices: z.array(z.object({ name: z.string().min(1).max(100), value: z.union([z.string().max(100), z.number()]) }).passthrough()).max(25),
});

export const modalData = z
  .object({
    custom_id: z.string().min(1).max(100),
    title: z.string().min(1).max(45),
    components: z.array(z.record(z.string(), z.unknown())).min(1).max(5),
  })
  .passthrough();

export const interactionCallbackBody = z.object({
  type: z.number().int(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const commandName = z.string().regex(/^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u, "Command name is invalid");

const optionChoice = z.object({
  name: z.string().min(1).max(100),
  name_localizations: z.unknown().optional(),
  value: z.union([z.string().max(100), z.number()]),
});

export type CommandOption = {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: CommandOption[];
  [k: string]: unknown;
};
export const commandOption: z.ZodType<CommandOption> = z.lazy(() =>
  z
    .object({
      type: z.number().int().min(1).max(11),
      name: commandName,
      description: z.string().min(1).max(100),
      required: z.boolean().optional(),
      choices: z.array(optionChoice).max(25).optional(),
      options: z.array(commandOption).max(25).optional(),
      channel_types: z.array(z.number()).optional(),
      min_value: z.number().optional(),
      max_value: z.number().optional(),
      min_length: z.number().optional(),
      max_length: z.number().optional(),
      autocomplete: z.boolean().optional(),
    })
    .passthrough(),
);

export const commandBody = z
  .object({
    name: commandName,
    type: z.number().int().min(1).max(4).optional(),
    description: z.string().max(100).optional(),
    options: z.array(commandOption).max(25).optional(),
    default_member_permissions: z.string().regex(/^\d+$/).nullable().optional(),
    dm_permission: z.boolean().nullable().optional(),
    nsfw: z.boolean().optional(),
    name_localizations: z.record(z.string(), z.string()).nullable().optional(),
    description_localizations: z.record(z.string(), z.string()).nullable().optional(),
    contexts: z.array(z.number().int()).nullable().optional(),
    integration_types: z.array(z.number().int()).optional(),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    if ((c.type ?? 1) === 1) {
      if (!c.description) ctx.addIssue({ code: "custom", path: ["description"], message: "This field is required" });
      if (c.name !== c.name.toLowerCase()) ctx.addIssue({ code: "custom", path: ["name"], message: "Command name is invalid" });
    }
  });
export type CommandBody = z.infer<typeof commandBody>;

export const threadFromMessageBody = z.object({
  name: z.string().min(1).max(100),
  auto_archive_duration: z.union([z.literal(60), z.literal(1440), z.literal(4320), z.literal(10080)]).optional(),
  rate_limit_per_user: z.number().int().min(0).max(21600).nullable().optional(),
});

export const threadBody = threadFromMessageBody.extend({
  type: z.union([z.literal(10), z.literal(11), z.literal(12)]).optional(),
  invitable: z.boolean().optional(),
});

export const createDmBody = z.object({ recipient_id: snowflake });
