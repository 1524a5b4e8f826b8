// The two request bodies the protocol (contract/app-link.ts) describes only inline, as
// schemas built from its own: `{ by: Actor }` and `{ voter: Actor, vote }`.
import { z } from "zod";
import { actorSchema, voteValueSchema } from "../../contract/app-link.ts";

export const byBody = z.object({ by: actorSchema });
export type ByBody = z.infer<typeof byBody>;

export const voteBody = z.object({ voter: actorSchema, vote: voteValueSchema });
export type VoteBody = z.infer<typeof voteBody>;
