// The Discord client holds the bot token in a public field: client.token,
// interaction.client.token, const { client: { token } } = interaction, client["tok" + "en"].
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { unwrap } from "./values.ts";

function isClient(a: Analysis, e: ts.Expression): boolean {
  const n = unwrap(e);
  return (ts.isIdentifier(n) && n.text === "client") || a.scope.memberName(n) === "client";
}

/** `object.name` / `object[name]` where object is a Discord client. */
export function checkClientMember(a: Analysis, node: ts.Node, object: ts.Expression, name: string | undefined): void {
  if (a.policy.forbiddenApis.clientToken && name === "token" && isClient(a, object)) {
    a.report(node, "api/client-token", "reads client.token (the bot's credentials)");
  }
}

/** `const { token } = client`, `const { client: { token } } = interaction`, computed keys. */
export function checkClientDestructure(a: Analysis, pattern: ts.ObjectBindingPattern, initializer: ts.Expression): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  const walk = (p: ts.ObjectBindingPattern, fromClient: boolean) => {
    for (const el of p.elements) {
      const keyNode = el.propertyName ?? el.name;
      const key = ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode) ? keyNode.text : ts.isComputedPropertyName(keyNode) ? a.scope.fold(keyNode.expression) : undefined;
      if (fromClient && (key === "token" || (key === undefined && !el.dotDotDotToken))) {
        a.report(el, "api/client-token", `reads client.${key ?? "[computed]"} (the bot's credentials)`);
      }
      if (ts.isObjectBindingPattern(el.name)) walk(el.name, key === "client");
    }
  };
  walk(pattern, isClient(a, initializer));
}
