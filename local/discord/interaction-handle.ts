// What the bot did with one interaction (callback, @original edits, follow-ups), awaited with timeouts.
import { InteractionResponseType } from "discord-api-types/v10";
import type { APIInteraction } from "discord-api-types/v10";
import type { InteractionEvent, InteractionRec, MessageRec, Store } from "./store.ts";
import type { Gateway } from "./gateway.ts";
import { DEFAULT_TIMEOUT_MS, until } from "./wait.ts";

/**
 * Routes interaction events to live handles with one store listener (not one per handle, which
 * would make each event cost O(open handles)); handles are dropped when their token expires (15 min).
 */
const TOKEN_LIFETIME_MS = 15 * 60_000;
const handlesByStore = new WeakMap<Store, Map<string, { handle: InteractionHandle; at: number }>>();
function track(store: Store, handle: InteractionHandle): void {
  let handles = handlesByStore.get(store);
  if (!handles) {
    const map = new Map<string, { handle: InteractionHandle; at: number }>();
    handles = map;
    handlesByStore.set(store, map);
    store.on("interaction", (rec, ev) => map.get(rec.id)?.handle.observe(ev));
  }
  const now = Date.now();
  for (const [id, h] of handles) {
    if (now - h.at < TOKEN_LIFETIME_MS) break; // insertion order = age order
    handles.delete(id);
  }
  handles.set(handle.id, { handle, at: now });
}

const CALLBACK_NAMES: Record<number, string> = {
  [InteractionResponseType.ChannelMessageWithSource]: "reply (4)",
  [InteractionResponseType.DeferredChannelMessageWithSource]: "deferReply (5)",
  [InteractionResponseType.DeferredMessageUpdate]: "deferUpdate (6)",
  [InteractionResponseType.UpdateMessage]: "update (7)",
  [InteractionResponseType.Modal]: "showModal (9)",
  [InteractionResponseType.ApplicationCommandAutocompleteResult]: "autocomplete (8)",
};

/** What the bot did with one interaction; every method awaits with a timeout. */
export class InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** The INTERACTION_CREATE payload that was dispatched. */
  readonly payload: APIInteraction;
  /** Everything the bot did, in order. */
  readonly events: InteractionEvent[] = [];
  readonly #store: Store;
  readonly #gateway: Gateway;
  readonly #rec: InteractionRec;
  readonly #label: string;
  readonly #timeoutMs: number;

  constructor(store: Store, gateway: Gateway, rec: InteractionRec, payload: APIInteraction, label: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#store = store;
    this.#gateway = gateway;
    this.#rec = rec;
    this.id = rec.id;
    this.token = rec.token;
    this.payload = payload;
    this.#label = label;
    this.#timeoutMs = timeoutMs;
    track(store, this);
  }

  /** Called by the store's single interaction listener (see `track`). */
  observe(ev: InteractionEvent): void {
    // Edits are snapshotted (later edits mutate the stored message); other events are re-read from the store.
    const snapshot = ev.message && (ev.kind === "original-edit" || ev.kind === "followup-edit");
    this.events.push(snapshot ? { ...ev, message: structuredClone(ev.message) } : ev);
  }

  /** The stored interaction (callback type, @original id, follow-up ids). */
  get interaction(): InteractionRec {
    return this.#rec;
  }
  /** The callback type once acknowledged (4, 5, 6, 7, 9…). */
  get callbackType(): number | undefined {
    return this.#rec.callback_type;
  }

  /**
   * Ms from the interaction's dispatch to the bot's first callback — accepted, or refused as
   * past the window (see `lateCallback`); undefined while the bot has sent none.
   */
  get firstCallbackMs(): number | undefined {
    const at = this.#rec.callback_at ?? this.#rec.late_callback_at;
    return at === undefined ? undefined : at - this.#rec.created_at;
  }
  /** Whether the bot's first callback came after the window and was refused (the user saw "did not respond"). */
  get lateCallback(): boolean {
    return this.#rec.late_callback_at !== undefined;
  }

  #wait<T>(check: () => T | undefined, what: string, timeoutMs?: number): Promise<T> {
    return until(this.#store, check, timeoutMs ?? this.#timeoutMs, () => {
      const cb = this.#rec.callback_type;
      const did = this.events
        .map((e) => (e.kind === "callback" ? (CALLBACK_NAMES[e.callbackType ?? 0] ?? `callback ${e.callbackType}`) : e.kind))
        .join(", ");
      return `${what} to ${this.#label} (interaction ${this.id}); the bot did: ${did || (cb === undefined ? "nothing yet" : "")}; bot sessions connected: ${this.#gateway.connected().length}`;
    });
  }
  #fresh(m: MessageRec | undefined): MessageRec | undefined {
    return m ? (this.#store.messages.get(m.id) ?? m) : undefined;
  }

  /** The callback the bot sent (any type). */
  response(timeoutMs?: number): Promise<InteractionEvent> {
    return this.#wait(() => this.events.find((e) => e.kind === "callback"), "the interaction callback", timeoutMs);
  }

  /**
   * The bot's visible answer: the reply (4) or updated message (7) at once; after a defer (5/6),
   * the first @original edit (or, after deferReply, the first follow-up, which fills the loading message).
   */
  reply(timeoutMs?: number): Promise<MessageRec> {
    return this.#wait(
      () => {
        const cb = this.events.find((e) => e.kind === "callback");
        if (!cb) return undefined;
        if (
          cb.callbackType === InteractionResponseType.ChannelMessageWithSource ||
          cb.callbackType === InteractionResponseType.UpdateMessage
        )
          return this.#fresh(cb.message);
        const later = this.events.find(
          (e) => e.kind === "original-edit" || (e.kind === "followup" && e.message?.id === this.#rec.original_message_id),
        );
        return this.#fresh(later?.message);
      },
      "a reply",
      timeoutMs,
    );
  }

  /** Resolves once the bot has sent at least `count` follow-ups; returns them all. */
  followUps(count = 1, timeoutMs?: number): Promise<MessageRec[]> {
    return this.#wait(
      () => {
        const list = this.events.filter((e) => e.kind === "followup").map((e) => this.#fresh(e.message)!);
        return list.length >= count ? list : undefined;
      },
      `${count} follow-up(s)`,
      timeoutMs,
    );
  }

  /** Resolves once `@original` has been edited at least `count` times; returns each edit's message state. */
  edits(count = 1, timeoutMs?: number): Promise<MessageRec[]> {
    return this.#wait(
      () => {
        const list = this.events.filter((e) => e.kind === "original-edit").map((e) => e.message!);
        return list.length >= count ? list : undefined;
      },
      `${count} edit(s) of the original response`,
      timeoutMs,
    );
  }

  /** The choices the bot offered for an autocomplete interaction (callback 8). */
  choices(timeoutMs?: number): Promise<{ name: string; value: string | number }[]> {
    return this.#wait(
      () => {
        const cb = this.events.find(
          (e) => e.kind === "callback" && e.callbackType === InteractionResponseType.ApplicationCommandAutocompleteResult,
        );
        return cb ? ((cb.data as { choices?: { name: string; value: string | number }[] } | undefined)?.choices ?? []) : undefined;
      },
      "autocomplete choices",
      timeoutMs,
    );
  }

  /** The modal the bot showed (callback 9): its `data` (custom_id, title, components). */
  modal(timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.#wait(
      () => {
        const cb = this.events.find((e) => e.kind === "callback" && e.callbackType === InteractionResponseType.Modal);
        return cb ? (cb.data as Record<string, unknown>) : undefined;
      },
      "a modal",
      timeoutMs,
    );
  }
}
