// What the forms of a pull request page do: each is one REST call to GitHub as the person,
// and the outcome — GitHub's own refusal included — comes back in plain words.
import { githubWords, type GitHubAs } from "./github.ts";
import type { Flash } from "./views.ts";

export const ACTIONS = ["approve", "request-changes", "comment", "merge"] as const;
export type Action = (typeof ACTIONS)[number];
const MERGE_METHODS = ["merge", "squash", "rebase"];

/** The form's fields after the pane's own checks, or what is wrong with them. */
export function readAction(form: URLSearchParams): { action: Action; body: string; sha?: string; method: string } | { error: string } {
  const action = form.get("action") ?? "";
  if (!(ACTIONS as readonly string[]).includes(action)) return { error: `There is no action called "${action}" here.` };
  const body = (form.get("body") ?? "").trim();
  if ((action === "request-changes" || action === "comment") && !body)
    return { error: action === "comment" ? "Write a comment first: it was empty." : "Say what should change: the text was empty." };
  const method = form.get("merge_method") ?? "merge";
  if (!MERGE_METHODS.includes(method)) return { error: `There is no merge method called "${method}".` };
  const sha = form.get("sha") || undefined;
  return { action: action as Action, body, sha, method };
}

const DOING: Record<Action, string> = {
  approve: "the approval",
  "request-changes": "the request for changes",
  comment: "the comment",
  merge: "the merge",
};

export async function act(
  gh: GitHubAs,
  login: string,
  repo: string,
  n: number,
  a: { action: Action; body: string; sha?: string; method: string },
): Promise<Flash> {
  const reviews = `/repos/${repo}/pulls/${n}/reviews`;
  const call =
    a.action === "approve"
      ? gh.call(login, "POST", reviews, { event: "APPROVE", body: a.body })
      : a.action === "request-changes"
        ? gh.call(login, "POST", reviews, { event: "REQUEST_CHANGES", body: a.body })
        : a.action === "comment"
          ? gh.call(login, "POST", `/repos/${repo}/issues/${n}/comments`, { body: a.body })
          : gh.call<{ sha?: string }>(login, "PUT", `/repos/${repo}/pulls/${n}/merge`, {
              merge_method: a.method,
              ...(a.sha ? { sha: a.sha } : {}),
            });
  const res = await call;
  if (res.status >= 400) return { kind: "error", text: `GitHub refused ${DOING[a.action]} by ${login}: ${githubWords(res)}.` };
  const done: Record<Action, string> = {
    approve: `${login} approved #${n}.`,
    "request-changes": `${login} requested changes on #${n}.`,
    comment: `${login} commented on #${n}.`,
    merge: `${login} merged #${n}${(res.body as { sha?: string }).sha ? ` as ${(res.body as { sha: string }).sha.slice(0, 7)}` : ""}.`,
  };
  return { kind: "ok", text: done[a.action] };
}
