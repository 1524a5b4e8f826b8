// What the bot core's events use to reach plugins: a slash command, a message for the
// responders, a model tool. Turns discord.js objects into plain data, hands each call its
// capabilities, counts and reports failures, and gives the user one clear answer when a
// plugin fails, hangs or its host is down.
import type { ChatInputCommandInteraction, Message } from "discord.js";
import { Ajv, type ValidateFunction } from "ajv";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import type { BotSettings } from "../../contract/settings.ts";
import { replyError } from "../core/reply-error.ts";
import { PluginHost, type CallResult, type PluginHostOptions } from "./supervisor.ts";
import { FailureLog } from "./failures.ts";
import { baseCapabilities, commandCapabilities, type SharedCapabilities } from "./capabilities.ts";
import { toPayload } from "./messages.ts";
import type { CommandInput, ResponderInput, ToolInput } from "./protocol.ts";

export interface PluginsOptions {
  host: PluginHostOptions;
  failures: FailureLog;
  shared: SharedCapabilities;
  settings: BotSettings;
}

/** Who a model tool call is for. */
export interface ToolCaller {
  user: { id: string; name: string };
  channelId: string;
  guildId?: string;
}

export type CommandOutcome = "ok" | "unknown" | "plugin-error" | "timeout";

export class Plugins {
  readonly host: PluginHost;
  readonly failures: FailureLog;
  private opts: PluginsOptions;
  private ajv = new Ajv({ allErrors: true, strict: false });
  private validators = new Map<string, ValidateFunction>();

  constructor(opts: PluginsOptions) {
    this.opts = opts;
    this.failures = opts.failures;
    this.host = new PluginHost({
      ...opts.host,
      onStrayError: (error, plugin) => {
        opts.host.log.warn({ plugin, err: error }, "plugin error outside a call");
        this.failures.plugin(plugin ?? "unknown", "command", error, false);
      },
    });
  }

  private fail(plugin: string, kind: "command" | "responder" | "tool", r: Extract<CallResult, { ok: false }>): string {
    return this.failures.plugin(plugin, kind, r.error, r.timeout);
  }

  /** A plugin's slash command; the user always gets an answer. */
  async command(interaction: ChatInputCommandInteraction): Promise<CommandOutcome> {
    const name = interaction.commandName;
    const entry = this.host.commands.get(name);
    if (!entry) {
      await replyError(interaction, `I don't know /${name} (any more). Try /help.`);
      return "unknown";
    }
    const options: CommandInput["options"] = {};
    for (const o of interaction.options.data) {
      if (typeof o.value === "string" || typeof o.value === "number" || typeof o.value === "boolean") options[o.name] = o.value;
    }
    const input: CommandInput = {
      command: name,
      options,
      user: { id: interaction.user.id, name: interaction.user.displayName },
      guildId: interaction.guildId ?? undefined,
      channelId: interaction.channelId,
      settings: { ...this.opts.settings },
    };
    const r = await this.host.call("command", entry.plugin, name, input, commandCapabilities(interaction, entry.plugin, this.opts.shared));
    if (r.ok) {
      if (!interaction.replied && !interaction.deferred)
        await replyError(interaction, `/${name} (plugin **${entry.plugin}**) finished without answering.`);
      return "ok";
    }
    const fp = this.fail(entry.plugin, "command", r);
    this.opts.host.log.warn({ err: r.error, plugin: entry.plugin, fingerprint: fp }, "plugin command failed");
    await replyError(
      interaction,
      `⚠️ /${name} (plugin **${entry.plugin}**) ${r.timeout ? "took too long" : "failed"}. It has been reported for repair (\`${fp.slice(0, 8)}\`); everything else keeps working.`,
    );
    return r.timeout ? "timeout" : "plugin-error";
  }

  /**
   * Offers a message to the responders: the core matches the triggers (RE2, linear time) and
   * only a matching message, in a channel the responder is enabled in, reaches its plugin.
   * Returns whether a responder took it.
   */
  async message(message: Message): Promise<"none" | "responder" | "responder-error"> {
    const isDm = !message.guildId;
    for (const entry of this.host.responders) {
      const { responder } = entry;
      if (isDm ? !responder.directMessages : responder.channels && !responder.channels.includes(message.channelId)) continue;
      if (!entry.trigger.test(message.content)) continue;
      const input: ResponderInput = {
        message: {
          content: message.content,
          author: { id: message.author.id, name: message.author.displayName },
          channelId: message.channelId,
          guildId: message.guildId ?? undefined,
        },
        settings: { ...this.opts.settings },
      };
      const r = await this.host.call("responder", entry.plugin, responder.name, input, baseCapabilities(entry.plugin, this.opts.shared));
      if (r.ok) {
        if (r.value !== null && r.value !== undefined) {
          try {
            const { ephemeral: _, flags: __, ...payload } = toPayload(r.value);
            await message.reply({ ...payload, allowedMentions: { repliedUser: false, parse: [] } });
          } catch (err) {
            this.fail(entry.plugin, "responder", {
              ok: false,
              timeout: false,
              error: { name: "InvalidReply", message: (err as Error).message },
            });
            return "responder-error";
          }
        }
        return "responder";
      }
      this.fail(entry.plugin, "responder", r);
      await message.reply({
        content: `⚠️ The auto-response **${responder.name}** (plugin ${entry.plugin}) ${r.timeout ? "took too long" : "failed"}; it has been reported for repair.`,
        allowedMentions: { repliedUser: false, parse: [] },
      });
      return "responder-error";
    }
    return "none";
  }

  /** The plugins' tools as OpenAI functions. */
  toolDefinitions(): ChatCompletionTool[] {
    return [...this.host.tools.values()].map(({ tool }) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
  }

  /** Always resolves to the text the model sees; the model's arguments are checked against the tool's schema first. */
  async tool(name: string, rawArgs: string, caller: ToolCaller): Promise<string> {
    const entry = this.host.tools.get(name);
    if (!entry) return `error: there is no tool named "${name}"`;
    let args: unknown;
    try {
      args = rawArgs.trim() === "" ? {} : JSON.parse(rawArgs);
    } catch {
      return `error: the arguments for ${name} are not valid JSON`;
    }
    let validate = this.validators.get(name);
    if (!validate) {
      try {
        validate = this.ajv.compile(entry.tool.parameters);
      } catch (err) {
        return `error: tool ${name} has an invalid parameter schema (${(err as Error).message})`;
      }
      this.validators.set(name, validate);
    }
    if (!validate(args)) return `error: invalid arguments for ${name}: ${this.ajv.errorsText(validate.errors)}`;
    const input: ToolInput = { args, ...caller, settings: { ...this.opts.settings } };
    const r = await this.host.call("tool", entry.plugin, name, input, baseCapabilities(entry.plugin, this.opts.shared));
    if (!r.ok) {
      this.fail(entry.plugin, "tool", r);
      return `error: tool ${name} failed${r.timeout ? " (timed out)" : ""}: ${r.error.message}`;
    }
    return String(r.value).slice(0, 8000);
  }
}
