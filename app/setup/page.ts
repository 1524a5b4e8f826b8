// The set-up server's pages: the one that posts the manifest to GitHub, and the outcome.
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const layout = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
  `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}` +
  `button{font-size:1rem;padding:.5rem 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}</style></head>` +
  `<body><h1>${esc(title)}</h1>${body}</body></html>`;

/** The form GitHub's "register a GitHub App from a manifest" flow starts with. */
export function startPage(opts: { createAppUrl: string; manifest: unknown; webhookUrl: string }): string {
  return layout(
    "Register the Ouro GitHub App",
    `<p>This registers a GitHub App from <code>app.yml</code> (its permissions and events, nothing more) ` +
      `with webhooks sent to <code>${esc(opts.webhookUrl)}</code>. GitHub asks you to confirm, then sends you back here ` +
      `and the credentials are written to your <code>.env</code>.</p>` +
      `<form action="${esc(opts.createAppUrl)}" method="post">` +
      `<input type="hidden" name="manifest" value="${esc(JSON.stringify(opts.manifest))}">` +
      `<button type="submit">Register the GitHub App on GitHub</button></form>`,
  );
}

export function donePage(opts: { name: string; installUrl: string; envFile: string }): string {
  return layout(
    "GitHub App registered",
    `<p><b>${esc(opts.name)}</b> is registered and its credentials are in <code>${esc(opts.envFile)}</code>.</p>` +
      `<p>Next: <a href="${esc(opts.installUrl)}">install it on the repository Ouro manages</a>, ` +
      `then go back to the terminal for the Discord part.</p>`,
  );
}

export function errorPage(message: string): string {
  return layout("Set-up did not finish", `<p>${esc(message)}</p><p>Nothing was written. The terminal says the same.</p>`);
}
