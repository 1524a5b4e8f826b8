// The messages between the bot core and the plugin host (over the child process's IPC
// channel, structured clone). The host runs untrusted plugin code, so everything it sends is
// parsed with these schemas before the core acts on it; what the core sends is plain data.
import { z } from "zod";
import { COMMAND_NAME, PLUGIN_NAME, TOOL_NAME } from "../plugin-api/index.ts";

const text = (max: number) => z.string().min(1).max(max);

export const optionSchema = z.strictObject({
  name: z.string().regex(COMMAND_NAME),
  description: text(100),
  type: z.enum(["string", "integer", "number", "boolean", "user"]),
  required: z.boolean().optional(),
  choices: z
    .array(z.strictObject({ name: text(100), value: z.union([z.string().max(100), z.number()]) }))
    .max(25)
    .optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

export const manifestSchema = z.strictObject({
  plugins: z
    .array(
      z.strictObject({
        name: z.string().regex(PLUGIN_NAME),
        description: text(200),
        commands: z
          .array(z.strictObject({ name: z.string().regex(COMMAND_NAME), description: text(100), options: z.array(optionSchema).max(25) }))
          .max(50),
        responders: z
          .array(
            z.strictObject({
              name: text(64),
              trigger: text(500),
              flags: z.string().regex(/^[ims]*$/),
              channels: z.array(z.string().regex(/^\d{1,20}$/)).optional(),
              directMessages: z.boolean(),
            }),
          )
          .max(20),
        tools: z
          .array(
            z.strictObject({ name: z.string().regex(TOOL_NAME), description: text(1000), parameters: z.record(z.string(), z.unknown()) }),
          )
          .max(20),
      }),
    )
    .max(200),
});
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestPlugin = Manifest["plugins"][number];

export const CAPABILITY_OPS = [
  "reply",
  "defer",
  "followUp",
  "edit",
  "store.get",
  "store.set",
  "store.delete",
  "store.keys",
  "fetch",
] as const;
export type CapabilityOp = (typeof CAPABILITY_OPS)[number];

const errorSchema = z.object({ name: z.string().max(200), message: z.string().max(4000), stack: z.string().max(16_000).optional() });
export type HostError = z.infer<typeof errorSchema>;

/** What the host may send. Anything else is a protocol violation: the host is killed. */
export const hostMessageSchema = z.union([
  z.strictObject({ t: z.literal("ready"), manifest: z.unknown() }),
  z.strictObject({ t: z.literal("load-failed"), error: errorSchema }),
  z.strictObject({ t: z.literal("pong"), n: z.number().int() }),
  z.union([
    z.strictObject({ t: z.literal("done"), call: z.string().max(64), ok: z.literal(true), value: z.unknown() }),
    z.strictObject({ t: z.literal("done"), call: z.string().max(64), ok: z.literal(false), error: errorSchema }),
  ]),
  /** `req` names the request within its call: `<call id>:<n>`, so only who knows the call can answer it. */
  z.strictObject({
    t: z.literal("cap"),
    call: z.string().max(64),
    req: z.string().max(100),
    op: z.enum(CAPABILITY_OPS),
    args: z.array(z.unknown()).max(4),
  }),
  /** An error outside any call (a plugin's own timer, a promise nobody awaited). */
  z.strictObject({ t: z.literal("stray-error"), error: errorSchema }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

export type CallKind = "command" | "responder" | "tool";

/** What the core sends. */
export type CoreMessage =
  | { t: "call"; call: string; kind: CallKind; plugin: string; name: string; input: unknown }
  | { t: "cap-result"; req: string; ok: true; value: unknown }
  | { t: "cap-result"; req: string; ok: false; error: string }
  | { t: "ping"; n: number };

/** The input of a command call (the handler's `call` is built from it plus capabilities). */
export interface CommandInput {
  command: string;
  options: Record<string, string | number | boolean>;
  user: { id: string; name: string };
  guildId?: string;
  channelId: string;
  settings: Record<string, unknown>;
}

export interface ResponderInput {
  message: { content: string; author: { id: string; name: string }; channelId: string; guildId?: string };
  settings: Record<string, unknown>;
}

export interface ToolInput {
  args: unknown;
  user: { id: string; name: string };
  channelId: string;
  guildId?: string;
  settings: Record<string, unknown>;
}
