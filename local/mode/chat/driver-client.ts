// The chat pane's only way to Discord: the stand-in's driver over HTTP (`/_driver/...`), so the
// pane sees and does exactly what a Discord user could, and nothing of the stand-in's insides.
import type { APIApplicationCommand, APIMessage } from "discord-api-types/v10";

/** The seeded guild as the driver shows it: ids by name. */
export interface GuildView {
  id: string;
  name: string;
  channels: Record<string, string>;
  roles: Record<string, string>;
  users: Record<string, string>;
}

export interface ThreadView {
  id: string;
  name?: string;
  guild_id?: string;
  parent_id?: string | null;
}

/** A message as the driver lists it (the REST shape). */
export type MessageView = APIMessage & { guild_id?: string };

/** What the stand-in knows of an interaction: who made it and how the bot answered. */
export interface InteractionView {
  id: string;
  type: number;
  channel_id: string;
  user_id: string;
  created_at: number;
  callback_type?: number;
  original_message_id?: string;
  source_message_id?: string;
  followup_ids: string[];
  modal?: { custom_id?: string; title?: string; components?: unknown[] };
  command_name?: string;
}

/** The driver refused (bad input: its words are meant for people) or could not be reached. */
export class DriverError extends Error {}

export interface DriverClient {
  guild(id: string): Promise<GuildView>;
  threads(): Promise<ThreadView[]>;
  /** Guild commands first, then global ones (a guild command shadows a global one of its name). */
  commands(guildId: string): Promise<APIApplicationCommand[]>;
  messages(channelId: string): Promise<MessageView[]>;
  message(id: string): Promise<MessageView | undefined>;
  interaction(id: string): Promise<InteractionView | undefined>;
  runCommand(input: {
    user: string;
    channel: string;
    name: string;
    subcommand?: string;
    options: Record<string, string | number | boolean>;
  }): Promise<string>;
  clickButton(input: { user: string; message: string; customId: string }): Promise<string>;
  chooseOption(input: { user: string; message: string; customId: string; values: string[] }): Promise<string>;
  submitModal(input: { user: string; interaction: string; values: Record<string, string> }): Promise<string>;
}

export function driverClient(driverUrl: string): DriverClient {
  const base = driverUrl.replace(/\/+$/, "");
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new DriverError(`the Discord stand-in does not answer at ${base} (${(err as Error).message})`);
    }
    const json = (await res.json().catch(() => null)) as { error?: string } | null;
    if (!res.ok) throw new DriverError(json?.error ?? `the Discord stand-in answered ${res.status} to ${method} ${path}`);
    return json as T;
  }
  /** An id the driver does not know is "absent" here, not a failure. */
  const orAbsent = <T>(p: Promise<T>): Promise<T | undefined> =>
    p.catch((err: unknown) => {
      if (err instanceof DriverError && /^unknown (message|interaction)/.test(err.message)) return undefined;
      throw err;
    });
  const started = (r: { interaction: { id: string } }) => r.interaction.id;
  return {
    guild: (id) => call("GET", `/guild?guild=${encodeURIComponent(id)}`),
    threads: () => call("GET", "/threads"),
    commands: async (guildId) => {
      const [guild, global] = await Promise.all([
        call<APIApplicationCommand[]>("GET", `/commands?guild=${encodeURIComponent(guildId)}`),
        call<APIApplicationCommand[]>("GET", "/commands"),
      ]);
      return [...guild, ...global.filter((g) => !guild.some((c) => c.name === g.name))];
    },
    messages: (channelId) => call("GET", `/channels/${encodeURIComponent(channelId)}/messages`),
    message: (id) => orAbsent(call("GET", `/messages/${encodeURIComponent(id)}`)),
    interaction: (id) => orAbsent(call("GET", `/interactions/${encodeURIComponent(id)}`)),
    runCommand: async (i) => started(await call("POST", "/commands/run", { ...i, wait: "none" })),
    clickButton: async (i) => started(await call("POST", "/buttons/click", { ...i, wait: "none" })),
    chooseOption: async (i) => started(await call("POST", "/selects/choose", { ...i, wait: "none" })),
    submitModal: async (i) => started(await call("POST", "/modals/submit", { ...i, wait: "none" })),
  };
}
