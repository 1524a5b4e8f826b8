// The sign-in pages: plain server-rendered HTML (labels, a heading, one form each), nothing
// secret in them — never a token, never a GitHub answer echoed back unescaped.

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Ouro console</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:28rem;margin:4rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.4rem;margin-top:0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6e7781;border-radius:6px}
.button,button{display:inline-block;margin-top:.75rem;padding:.5rem 1rem;font:inherit;font-weight:600;color:#fff;background:#1f6feb;border:0;border-radius:6px;text-decoration:none;cursor:pointer}
.button:focus,button:focus,input:focus{outline:3px solid #0969da;outline-offset:2px}
.problem{color:#82071e;background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.5rem .75rem}
hr{border:0;border-top:1px solid #d0d7de;margin:1.5rem 0}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPageOptions {
  github: boolean;
  token: boolean;
  /** Where to go after signing in (already checked to be a console path). */
  next: string;
  problem?: string;
}

export function signInPage(o: SignInPageOptions): string {
  const parts: string[] = ["<h1>Sign in to the Ouro console</h1>"];
  if (o.problem) parts.push(`<p class="problem" role="alert">${esc(o.problem)}</p>`);
  if (!o.github && !o.token) {
    parts.push(
      "<p>The console is off: no way to sign in is configured. Set <code>OURO_CONSOLE_TOKEN</code> (32 characters or more), " +
        "or the App's OAuth client (<code>OURO_GITHUB_CLIENT_ID</code>, <code>OURO_GITHUB_CLIENT_SECRET</code> and " +
        "<code>OURO_PUBLIC_URL</code>), and restart the app.</p>",
    );
    return page("Sign in", parts.join("\n"));
  }
  if (o.github)
    parts.push(
      `<p>People with write access to the repository may act; others may look.</p>`,
      `<a class="button" href="/console/auth/github?next=${encodeURIComponent(o.next)}">Sign in with GitHub</a>`,
    );
  if (o.github && o.token) parts.push("<hr>");
  if (o.token)
    parts.push(
      `<form method="post" action="/console/auth/token">`,
      `<input type="hidden" name="next" value="${esc(o.next)}">`,
      `<label for="token">Console token</label>`,
      `<input id="token" name="token" type="password" autocomplete="current-password" required minlength="32">`,
      `<button type="submit">Sign in with the token</button>`,
      `</form>`,
    );
  return page("Sign in", parts.join("\n"));
}

/** A page saying what went wrong and offering to start again. */
export function problemPage(title: string, message: string): string {
  return page(
    title,
    `<h1>${esc(title)}</h1>\n<p class="problem" role="alert">${esc(message)}</p>\n<p><a href="/console/auth/sign-in">Back to sign-in</a></p>`,
  );
}

export function signOutPage(csrf: string | null): string {
  if (!csrf) return page("Signed out", `<h1>You are signed out</h1>\n<p><a href="/console/auth/sign-in">Sign in</a></p>`);
  return page(
    "Sign out",
    `<h1>Sign out of the Ouro console?</h1>\n<form method="post" action="/console/auth/sign-out">` +
      `<input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit">Sign out</button></form>`,
  );
}
