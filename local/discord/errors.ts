// Discord's REST error shape: `{ message, code, errors? }` with the HTTP status Discord uses.
// Codes from https://discord.com/developers/docs/topics/opcodes-and-status-codes#json.
import type { RESTError, RESTErrorData } from "discord-api-types/v10";

export class DiscordHttpError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: RESTErrorData | undefined;
  constructor(status: number, code: number, message: string, errors?: RESTErrorData) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
  body(): RESTError {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

export const unauthorized = (): DiscordHttpError => new DiscordHttpError(401, 0, "401: Unauthorized");
export const notFound = (): DiscordHttpError => new DiscordHttpError(404, 0, "404: Not Found");
export const methodNotAllowed = (): DiscordHttpError => new DiscordHttpError(405, 0, "405: Method Not Allowed");
export const unknownChannel = (): DiscordHttpError => new DiscordHttpError(404, 10003, "Unknown Channel");
export const unknownGuild = (): DiscordHttpError => new DiscordHttpError(404, 10004, "Unknown Guild");
export const unknownMember = (): DiscordHttpError => new DiscordHttpError(404, 10007, "Unknown Member");
export const unknownMessage = (): DiscordHttpError => new DiscordHttpError(404, 10008, "Unknown Message");
export const unknownRole = (): DiscordHttpError => new DiscordHttpError(404, 10011, "Unknown Role");
export const unknownUser = (): DiscordHttpError => new DiscordHttpError(404, 10013, "Unknown User");
export const unknownWebhook = (): DiscordHttpError => new DiscordHttpError(404, 10015, "Unknown Webhook");
export const unknownInteraction = (): DiscordHttpError => new DiscordHttpError(404, 10062, "Unknown interaction");
export const unknownCommand = (): DiscordHttpError => new DiscordHttpError(404, 10063, "Unknown application command");
export const unknownApplication = (): DiscordHttpError => new DiscordHttpError(404, 10002, "Unknown Application");
export const alreadyAcknowledged = (): DiscordHttpError => new DiscordHttpError(400, 40060, "Interaction has already been acknowledged.");
export const emptyMessage = (): DiscordHttpError => new DiscordHttpError(400, 50006, "Cannot send an empty message");
export const cannotEditOthers = (): DiscordHttpError => new DiscordHttpError(403, 50005, "Cannot edit a message authored by another user");
export const threadAlreadyExists = (): DiscordHttpError =>
  new DiscordHttpError(400, 160004, "A thread has already been created for this message");
export const invalidChannelType = (): DiscordHttpError => new DiscordHttpError(400, 50024, "Cannot execute action on this channel type");

/** 50035 Invalid Form Body, with Discord's nested `errors` object built from `path → message` pairs. */
export function invalidFormBody(issues: { path: (string | number)[]; message: string; code?: string }[]): DiscordHttpError {
  const errors: Record<string, unknown> = {};
  for (const issue of issues) {
    let node = errors;
    for (const key of issue.path.map(String)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    const list = ((node._errors as unknown[] | undefined) ??= []);
    list.push({ code: issue.code ?? "BASE_TYPE_INVALID", message: issue.message });
  }
  return new DiscordHttpError(400, 50035, "Invalid Form Body", errors as RESTErrorData);
}
