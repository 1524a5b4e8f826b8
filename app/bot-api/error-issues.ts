// Runtime errors the bot reports → one issue per fingerprint (found again by a hidden
// marker), kept current with the count; the same error never opens a second issue. Then
// self-debugging may start a fix for it (lifecycle/self-debug.ts, when the policy allows).
import type { RuntimeErrorReport } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import { quoteUser } from "../github/markers.ts";
import { selfDebug } from "../lifecycle/self-debug.ts";

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
    const issue = number
      ? { number }
      : await gh.createIssue(`Runtime error: ${quoteUser(`${r.plugin}/${r.name}: ${r.message}`, 90)}`, body, ["ouro-error"]);
    const n = issue.number;
    ctx.store.keys.setErrorIssue(r.fingerprint, n);
    ctx.store.audit.record(`error:${r.fingerprint}`, "runtime-error", { issue: n, count: r.count });
    // The issue stands whatever becomes of the fix: a failure to start one is logged, and the
    // error's next report considers it again.
    const log = ctx.log.child({ fingerprint: r.fingerprint, issue: n });
    await selfDebug(ctx, r, issue, log).catch((e: unknown) => log.error({ err: e }, "self-debug: could not start a fix"));
    return n;
  });
}
