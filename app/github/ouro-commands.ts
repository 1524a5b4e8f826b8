// `/ouro …` comment commands. The first line starting with `/ouro` is the command; anything
// that is not a known verb is a follow-up request to the agent.
export type Command =
  | { kind: "revert" }
  | { kind: "retry" }
  | { kind: "stop"; reason?: string }
  | { kind: "resume" }
  | { kind: "help" }
  | { kind: "link"; code: string }
  | { kind: "request"; text: string };

const VERBS = new Set(["revert", "retry", "stop", "resume", "help", "link"]);

/** The command in a comment body, or null when the comment is not addressed to Ouro. */
export function parseCommand(body: string): Command | null {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const i = lines.findIndex((l) => /^\s*\/ouro(\s|$)/i.test(l));
  if (i < 0) return null;
  const first = lines[i].trim().replace(/^\/ouro\s*/i, "");
  const rest = [first, ...lines.slice(i + 1)].join("\n").trim();
  const verb = first.split(/\s+/)[0]?.toLowerCase() ?? "";
  if (verb === "") return { kind: "help" };
  if (VERBS.has(verb)) {
    const arg = first.slice(verb.length).trim();
    if (verb === "stop") return arg ? { kind: "stop", reason: arg } : { kind: "stop" };
    if (verb === "link") return { kind: "link", code: arg };
    return { kind: verb } as Command;
  }
  return { kind: "request", text: rest };
}

export const HELP = [
  "Commands (users the policy allows):",
  "- `/ouro <what you want>` — a new change request (on an Ouro pull request: a follow-up for the agent)",
  "- `/ouro revert` — on a merged Ouro pull request: open a revert pull request",
  "- `/ouro retry` — run a failed change again",
  "- `/ouro stop [reason]` — emergency stop: no new pull requests, no automerge",
  "- `/ouro resume` — lift the emergency stop",
  "- `/ouro link <code>` — any GitHub user: link this account to the Discord account `/link github` gave the code to",
].join("\n");
