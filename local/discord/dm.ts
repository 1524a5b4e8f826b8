// DM channels between the bot and a user (one per user, created on first use).
import { ChannelType } from "discord-api-types/v10";
import type { ChannelRec, Store } from "./store.ts";

export function openDm(ctx: { store: Store }, userId: string): ChannelRec {
  const { store } = ctx;
  const existing = store.dmChannels.get(userId);
  if (existing) return store.channels.get(existing)!;
  const dm: ChannelRec = { id: store.ids.next(), type: ChannelType.DM, recipient_ids: [userId], last_message_id: null, message_count: 0 };
  store.channels.set(dm.id, dm);
  store.dmChannels.set(userId, dm.id);
  store.changed();
  return dm;
}
