// Runtime errors the bot reports → one issue per fingerprint (found again by a hidden
// marker), kept current with the count; the same error never opens a second issue.
import type { RuntimeErrorReport } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import { quoteUser } from "../github/markers.ts";

export async function reportRuntimeError(ctx: AppContext, r: RuntimeErrorReport): Promise<number> {
  return ctx.locks.withLock(`error:${r.fingerprint}`, async () => {
    const gh = await ctx.client();
    const marker = `<!-- ouro:error:${r.fingerprint} -->`;
    const body = [
      marker,
      `**Runtime error** in ${r.kind} \`${quoteUser(r.name, 60)}\` of plugin \`${quoteUser(r.plugin, 60)}\`${r.timeout ? " (timed out)" : ""}.`,
      "",
      `- seen ${r.count} time(s) since ${r.firstSeen}${r.version ? ` on version ${r.version}` : ""}`,
      "",
      "```",
      r.message.replace(/```/g, "'''"),
      ...(r.stack ? ["", r.stack.replace(/```/g, "'''")] : []),
      "```",
    ].join("\n");
    const known = ctx.store.keys.errorIssue(r.fingerprint);
    const number = known || (await gh.findOwnIssue(marker))?.number || 0;
    if (number) await gh.updateIssue(number, { body });
    const n =
      number ||
      (await gh.createIssue(`Runtime error: ${quoteUser(`${r.plugin}/${r.name}: ${r.message}`, 90)}`, body, ["ouro-error"])).number;
    ctx.store.keys.setErrorIssue(r.fingerprint, n);
    ctx.store.audit.record(`error:${r.fingerprint}`, "runtime-error", { issue: n, count: r.count });
    return n;
  });
}
