// The review pane's only way to GitHub: REST calls made as a person through the stand-in's
// driver (`POST {githubUrl}/_driver/as/{login}`), so every answer — and every refusal — is
// GitHub's own, with that person's permissions.

/** What GitHub answered: its status and JSON body. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** A read that GitHub refused or could not answer; its message is GitHub's words. */
export class GitHubError extends Error {
  readonly status: number;
  constructor(what: string, a: Answer) {
    super(`GitHub refused ${what}: ${githubWords(a)}`);
    this.status = a.status;
  }
}

/** GitHub's own explanation of an error answer, in one line: its message, then each of its errors. */
export function githubWords(a: Answer): string {
  const b = (a.body ?? {}) as { message?: unknown; errors?: unknown };
  const message = typeof b.message === "string" ? b.message.replace(/\s+/g, " ").trim() : "";
  const errors = Array.isArray(b.errors)
    ? b.errors.map((e) => {
        if (typeof e === "string") return e;
        const o = (e ?? {}) as { message?: string; field?: string; code?: string };
        return o.message ?? [o.field, o.code?.replace(/_/g, " ")].filter(Boolean).join(" ");
      })
    : [];
  const parts = [message, ...errors]
    .map((s) => s.replace(/\.$/, ""))
    .filter((s) => s && s !== "Unprocessable Entity" && s !== "Validation Failed");
  return `${parts.join(" — ") || message || "no reason given"} (HTTP ${a.status})`;
}

export class GitHubAs {
  readonly #driver: string;
  constructor(githubUrl: string) {
    this.#driver = `${githubUrl.replace(/\/+$/, "")}/_driver/as/`;
  }

  /** Any REST call (path below the API root) as `login`; never throws for GitHub's refusals. */
  async call<T = unknown>(login: string, method: string, path: string, body?: unknown): Promise<Answer<T>> {
    let res: Response;
    try {
      res = await fetch(this.#driver + encodeURIComponent(login), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ method, path, ...(body === undefined ? {} : { body }) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new Error(`cannot reach the GitHub stand-in at ${this.#driver.replace(/\/_driver.*$/, "")}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { message: text.slice(0, 500) };
    }
    return { status: res.status, body: parsed as T };
  }

  /** A read as `login`; a refusal throws GitHubError in GitHub's words. */
  async read<T>(login: string, path: string, what: string): Promise<T> {
    const a = await this.call<T>(login, "GET", path);
    if (a.status >= 400) throw new GitHubError(what, a);
    return a.body;
  }
}

// The few fields of GitHub's REST shapes the pane shows.
export interface User {
  login: string;
}
export interface Pull {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  merged?: boolean;
  merged_at: string | null;
  merged_by?: User | null;
  draft?: boolean;
  mergeable_state?: string;
  user: User | null;
  created_at: string;
  head: { ref: string; sha: string };
  base: { ref: string };
}
export interface CheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  app: { name?: string; slug?: string } | null;
  output: { title: string | null; summary: string | null };
}
export interface CommitStatus {
  id: number;
  context: string;
  state: string;
  description: string | null;
}
export interface Review {
  id: number;
  user: User | null;
  body: string;
  state: string;
  submitted_at: string | null;
  author_association?: string;
}
export interface Comment {
  id: number;
  user: User | null;
  body: string;
  created_at: string;
  author_association?: string;
}
