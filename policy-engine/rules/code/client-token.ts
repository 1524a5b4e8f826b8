// The Discord client holds the bot token in a public field: client.token,
// interaction.client.token, const { client: { token } } = interaction, client["tok" + "en"],
// and a second time deeper down (client.ws._ws.options.token, kept by @discordjs/ws), so any
// `.token` read anywhere below a client counts; so do Reflect.get and property descriptors.
import { ts } from "ts-morph";
import type { Analysis } from "./analysis.ts";
import { unwrap } from "./values.ts";

// visitors (see walk.ts)

/** const c = interaction.client, (bot: Client) => …: other names a client goes by. */
export function noteClientDeclaration(a: Analysis, d: ts.VariableDeclaration | ts.ParameterDeclaration): void {
  noteClientBinding(a, d.name, d.initializer, d.type);
}

/** const { token } = client */
export function checkClientDestructuring(a: Analysis, d: ts.VariableDeclaration): void {
  if (d.initializer && ts.isObjectBindingPattern(d.name)) checkClientDestructure(a, d.name, d.initializer);
}

/** client.token */
export function checkClientProperty(a: Analysis, pa: ts.PropertyAccessExpression): void {
  checkClientMember(a, pa, pa.expression, pa.name.text);
}

/** client["tok" + "en"], client[key] */
export function checkClientElement(a: Analysis, ea: ts.ElementAccessExpression): void {
  checkClientMember(a, ea, ea.expression, a.scope.fold(ea.argumentExpression));
}

/** for (const k in client) */
export function checkClientForIn(a: Analysis, f: ts.ForInStatement): void {
  checkClientEnumeration(a, f.expression, f);
}

// checks

/** Records `name` as a client when it is bound to one or declared with the type Client. */
function noteClientBinding(a: Analysis, name: ts.BindingName, initializer: ts.Expression | undefined, type: ts.TypeNode | undefined): void {
  if (!ts.isIdentifier(name)) return;
  const typed = type !== undefined && ts.isTypeReferenceNode(type) && /(^|\.)Client$/.test(type.typeName.getText(a.sf));
  if (!typed && !(initializer !== undefined && isClient(a, initializer))) return;
  a.clientNames.add(name.text);
}

/** `client`, `x.client`, or anything reached from one (client.ws._ws.options). */
function isClient(a: Analysis, e: ts.Expression): boolean {
  let n = unwrap(e);
  for (;;) {
    if (ts.isIdentifier(n)) return n.text === "client" || a.clientNames.has(n.text);
    // new Client(…): discord.js reads the token from the environment (DISCORD_TOKEN)
    if (ts.isNewExpression(n)) return /(^|\.)Client$/.test(unwrap(n.expression).getText(a.sf));
    if (a.scope.memberName(n) === "client") return true;
    if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unwrap(n.expression);
    else return false;
  }
}

/** `object.name` / `object[name]` where object is a Discord client or lies below one. */
function checkClientMember(a: Analysis, node: ts.Node, object: ts.Expression, name: string | undefined): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  if (name === "token" && isClient(a, object)) {
    a.report(node, "api/client-token", "reads client.token (the bot's credentials)");
  } else if (name === undefined && ts.isElementAccessExpression(node) && isClient(a, object)) {
    // client[["to", "ken"].join("")], client[String.fromCharCode(…)], client[KEY] from another file
    a.report(
      node,
      "api/client-token",
      "reads a member of the client whose name is computed (it could be client.token, the bot's credentials)",
    );
  }
}

// calls that list a client's own properties, its token among them
const ENUMERATORS = new Set([
  "Reflect.ownKeys",
  "Object.keys",
  "Object.values",
  "Object.entries",
  "Object.getOwnPropertyNames",
  "Object.getOwnPropertySymbols",
]);

/** `for (const k in client)`: the keys, token included, then read one by one. */
function checkClientEnumeration(a: Analysis, object: ts.Expression, node: ts.Node): void {
  if (a.policy.forbiddenApis.clientToken && isClient(a, object))
    a.report(node, "api/client-token", "lists the client's properties (client.token among them: the bot's credentials)");
}

/** Reflect.get(client, "token"), Object.getOwnPropertyDescriptor(client, "token"), …Descriptors(client). */
export function checkClientReflection(a: Analysis, callee: string, args: readonly ts.Expression[], node: ts.Node): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  const [target, key] = args;
  if (target === undefined || !isClient(a, target)) return;
  const keyed = callee === "Reflect.get" || callee === "Reflect.getOwnPropertyDescriptor" || callee === "Object.getOwnPropertyDescriptor";
  if (keyed && key !== undefined && a.scope.fold(key) === "token") {
    a.report(node, "api/client-token", `reads client.token through ${callee} (the bot's credentials)`);
  } else if (ENUMERATORS.has(callee)) {
    a.report(node, "api/client-token", `lists the client's properties with ${callee} (client.token among them: the bot's credentials)`);
  } else if (callee === "Object.getOwnPropertyDescriptors") {
    a.report(node, "api/client-token", "reads every property of the client, client.token included (the bot's credentials)");
  }
}

/** `const { token } = client`, `const { client: { token } } = interaction`, computed keys. */
function checkClientDestructure(a: Analysis, pattern: ts.ObjectBindingPattern, initializer: ts.Expression): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  const walk = (p: ts.ObjectBindingPattern, fromClient: boolean) => {
    for (const el of p.elements) {
      const keyNode = el.propertyName ?? el.name;
      const key =
        ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode)
          ? keyNode.text
          : ts.isComputedPropertyName(keyNode)
            ? a.scope.fold(keyNode.expression)
            : undefined;
      if (fromClient && (key === "token" || (key === undefined && !el.dotDotDotToken))) {
        a.report(el, "api/client-token", `reads client.${key ?? "[computed]"} (the bot's credentials)`);
      }
      // below a client stays below it: { client: { ws: { _ws: { options: { token } } } } }
      if (ts.isObjectBindingPattern(el.name)) walk(el.name, fromClient || key === "client");
    }
  };
  walk(pattern, isClient(a, initializer));
}
