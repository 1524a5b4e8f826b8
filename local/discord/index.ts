/**
 * Discord stand-in: gateway v10 + REST v10 + a driver, for tests and local mode.
 *
 * ```ts
 * import { Client, GatewayIntentBits } from "discord.js";
 * import { startDiscord } from "../local/discord/index.ts";
 *
 * const discord = await startDiscord();            // 127.0.0.1, port 0, seeded guild
 * const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages], rest: { api: discord.apiBase } });
 * await client.login(discord.botToken);            // GET /gateway/bot → our ws URL; READY + GUILD_CREATE
 * await client.application!.commands.set([{ name: "ping", description: "Ping" }]);   // or REST PUT, global or guild
 *
 * const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" });
 * const reply = await h.reply();                   // after reply(), or deferReply()+editReply()/followUp()
 * await h.followUps(2); await h.edits(1);          // wait for ≥2 follow-ups / ≥1 @original edit
 * const click = discord.driver.clickButton({ user: "bob", message: reply, customId: "vote:yes" });
 * await discord.driver.submitModal({ user: "bob", to: click, values: { title: "…" } });   // after the bot's showModal
 * await discord.driver.autocomplete({ user: "alice", channel: "general", name: "plugin", focused: "name", options: { name: "da" } }).choices();
 * discord.driver.selectOption({ user: "bob", message: reply, customId: "pick", values: ["a"] });
 * discord.driver.react({ user: "bob", message: reply, emoji: "👍" });  // MESSAGE_REACTION_ADD
 * discord.driver.say({ user: "alice", channel: "general", content: "hi" });  // content only with MessageContent intent
 * await discord.driver.waitForMessage("general", (m) => m.author.bot === true);
 * await discord.driver.waitForThread({ parent: "requests", name: /feature/ });
 * await discord.driver.waitForMessageUpdate(progress.id, (m) => m.embeds.length > 0);  // a later edit's state
 * await discord.driver.waitFor(() => discord.driver.threads("general").length === 2, "two threads");
 * discord.driver.injectRateLimit({ route: "/channels/", retryAfter: 0.2 });     // next matching request → 429
 * discord.driver.reconnect();                      // op 7 → client RESUMEs; invalidateSession(false) → re-IDENTIFY
 * client.destroy(); await discord.close();
 * ```
 *
 * - Seed (default): guild "Ouro Local" with channels `general`, `requests`; roles `admin` (Administrator),
 *   `maintainer`, `member`; users `alice`, `bob` (member), `admin` (admin). `discord.guild` has ids by name.
 * - Users/channels/roles are referenced by name or id; channel `"dm"` is the user's DM with the bot.
 *   `createUser`, `addMember`, `createRole`, `createChannel`, `createGuild` change the world while the bot runs
 *   (with the gateway events Discord would send).
 * - `runCommand` types options from the registered definition (integers, booleans, users/channels/roles
 *   by name → ids + `resolved`), refuses unknown/missing options and commands hidden by `default_member_permissions`.
 * - Every await times out (default 15 s, `timeoutMs` per call) with an error saying what the bot did instead.
 * - As on Discord: the initial callback must come within 3 s (`interactionTimeoutMs`); message content without
 *   the MessageContent intent is empty except DMs, mentions of the bot and its own messages; ephemeral
 *   messages are not dispatched nor listed; a thread started from a message has the message's id.
 * - Driver over HTTP at `discord.driverUrl` (`/_driver`): GET `/`, `/guild`, `/channels/:ref/messages`, `/threads`,
 *   `/commands`, `/sessions`, `/interactions/:id`, `/messages/:id`; POST `/users`, `/members`, `/roles`, `/channels`,
 *   `/messages` (say), `/messages/:id/edit`, `/messages/:id/delete`, `/commands/run`, `/buttons/click`, `/selects/choose`, `/modals/submit` (`wait`: none|response|reply|followup|edit),
 *   `/commands/autocomplete`, `/reactions`,
 *   `/wait/message`, `/wait/thread`, `/ratelimit`, `/gateway/reconnect`, `/gateway/invalidate`.
 * - `dataDir` persists state (JSON, atomic) across restarts; CLI: `npm run local -- discord --port N [--data DIR]`.
 */
export { startDiscord } from "./server.ts";
export type { DiscordOptions, DiscordStandIn } from "./server.ts";
export { Driver, InteractionHandle, DEFAULT_TIMEOUT_MS } from "./driver.ts";
export type { RunCommandInput, WaitOptions } from "./driver.ts";
export type { SeedSpec, GuildView } from "./seed.ts";
export type { MessageRec, ChannelRec, UserRec, RoleRec, InteractionRec, InteractionEvent } from "./store.ts";
export type { RateLimitInjection } from "./ratelimit.ts";
