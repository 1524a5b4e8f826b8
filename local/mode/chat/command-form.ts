// The command form: pick a registered command ("Choose" reloads with it), then one labelled
// input per option (choices as a select, booleans as a checkbox, users/channels/roles as a
// select of the guild's), and "Run".
import { ApplicationCommandOptionType as T } from "discord-api-types/v10";
import { h, type SafeHtml } from "./markup.ts";
import type { CommandEntry, OptionSpec } from "./commands.ts";
import type { GuildView, ThreadView } from "./driver-client.ts";

export interface CommandFormInput {
  viewer: string;
  channel: string;
  entries: CommandEntry[];
  chosen?: CommandEntry;
  /** Values to show in the inputs (a reload after "Choose", or a refused run). */
  values: URLSearchParams;
  guild: GuildView;
  threads: ThreadView[];
}

export function commandFormHtml(f: CommandFormInput): SafeHtml {
  const entryOptions = f.entries.map(
    (e) => h`<option value="${e.value}"${e === f.chosen ? h` selected` : ""}>/${e.value} — ${e.description}</option>`,
  );
  const none = f.entries.length === 0 ? h`<p>No slash commands are registered yet: the bot registers them when it starts.</p>` : "";
  return h`<form id="command" method="post" action="run">
<h2>Run a command</h2>
<input type="hidden" name="as" value="${f.viewer}"><input type="hidden" name="channel" value="${f.channel}">
<p class="row"><label for="command-select">Command</label> <select id="command-select" name="command">${f.chosen ? "" : h`<option value="">Pick a command</option>`}${entryOptions}</select> <button type="submit" formmethod="get" formaction="./" formnovalidate>Choose</button></p>
${none}${f.chosen ? chosenHtml(f, f.chosen) : ""}
</form>`;
}

function chosenHtml(f: CommandFormInput, entry: CommandEntry): SafeHtml {
  const options = entry.options.length === 0 ? h`<p>This command has no options.</p>` : entry.options.map((o) => optionHtml(f, o));
  return h`<fieldset><legend>/${entry.value}</legend>
${options}
<button type="submit" class="run">Run</button></fieldset>`;
}

function optionHtml(f: CommandFormInput, o: OptionSpec): SafeHtml {
  const id = `opt-${o.name}`;
  const name = `opt.${o.name}`;
  const given = f.values.get(name) ?? "";
  const hint = h`<span class="hint" id="${id}-hint">${o.description}</span>`;
  const label = h`<label for="${id}">${o.name}${o.required ? h` <span class="required">(required)</span>` : ""}</label>`;
  const named = h`id="${id}" name="${name}" aria-describedby="${id}-hint"`;
  const attrs = h`${named}${o.required ? h` required aria-required="true"` : ""}`;
  // A required boolean is still answered when unchecked (false), so the box itself is never required.
  if (o.type === T.Boolean) {
    const checked = given === "true" || given === "on" ? h` checked` : "";
    return h`<div class="option check"><input type="checkbox" ${named} value="true"${checked}> ${label} ${hint}</div>`;
  }
  const choices = selectChoices(f, o);
  if (choices) {
    const blank = o.required ? h`<option value="">Pick one</option>` : h`<option value="">(none)</option>`;
    const list = choices.map((c) => h`<option value="${c.value}"${c.value === given ? h` selected` : ""}>${c.name}</option>`);
    return h`<div class="option">${label} <select ${attrs}>${blank}${list}</select> ${hint}</div>`;
  }
  if (o.type === T.Attachment)
    return h`<div class="option">${label} <input type="text" ${named} disabled value="files cannot be sent from this page"> ${hint}</div>`;
  if (o.type === T.Integer || o.type === T.Number) {
    const step = o.type === T.Integer ? h` step="1"` : h` step="any"`;
    const range = h`${o.minValue !== undefined ? h` min="${o.minValue}"` : ""}${o.maxValue !== undefined ? h` max="${o.maxValue}"` : ""}`;
    return h`<div class="option">${label} <input type="number" ${attrs} value="${given}"${step}${range}> ${hint}</div>`;
  }
  const extra = h`${o.maxLength !== undefined ? h` maxlength="${o.maxLength}"` : ""}${o.type === T.Mentionable ? h` placeholder="a username or a role"` : ""}`;
  return h`<div class="option">${label} <input type="text" ${attrs} value="${given}"${extra}> ${hint}</div>`;
}

/** The values an option can take, when there is a known list: its choices, or the guild's people, channels or roles. */
function selectChoices(f: CommandFormInput, o: OptionSpec): { name: string; value: string }[] | undefined {
  if (o.choices) return o.choices.map((c) => ({ name: c.name, value: String(c.value) }));
  if (o.type === T.User) return Object.keys(f.guild.users).map((u) => ({ name: u, value: u }));
  if (o.type === T.Role) return Object.keys(f.guild.roles).map((r) => ({ name: r, value: r }));
  if (o.type === T.Channel) {
    const threadIds = new Set(f.threads.map((t) => t.id));
    return Object.entries(f.guild.channels)
      .filter(([, id]) => !threadIds.has(id))
      .map(([name, id]) => ({ name: `#${name}`, value: id }))
      .concat(f.threads.map((t) => ({ name: `#${t.name ?? t.id} (thread)`, value: t.id })));
  }
  return undefined;
}
