// The Discord client holds the bot token in a public field: client.token,
// interaction.client.token, const { client: { token } } = interaction, client["tok" + "en"],
// and a second time deeper down (client.ws._ws.options.token, kept by @discordjs/ws), so any
// `.token` read anywhere below a client counts; so do Reflect.get and property descriptors.
import type { Analysis } from "./analysis.ts";
import { isIdentifier, isMember, isStringLiteral, propertyName, unwrap, type MemberExpression, type Node, type Of } from "./ast.ts";
import type { Declaration } from "./bindings.ts";

// visitors (see walk.ts)

/** const c = interaction.client, (bot: Client) => …: other names a client goes by. */
export function noteClientDeclaration(a: Analysis, d: Declaration): void {
  noteClientBinding(a, d.name, d.initializer, d.type);
}

/** const { token } = client */
export function checkClientDestructuring(a: Analysis, d: Declaration): void {
  if (d.initializer && d.name.type === "ObjectPattern") checkClientDestructure(a, d.name, d.initializer);
}

/** client.token, client["tok" + "en"], client[key] */
export function checkClientMemberAccess(a: Analysis, m: MemberExpression): void {
  checkClientMember(a, m, m.object, m.computed ? a.scope.fold(m.property) : propertyName(m));
}

/** for (const k in client) */
export function checkClientForIn(a: Analysis, f: Of<"ForInStatement">): void {
  checkClientEnumeration(a, f.right, f);
}

// checks

/** Records `name` as a client when it is bound to one or declared with the type Client. */
function noteClientBinding(a: Analysis, name: Node, initializer: Node | undefined, type: Node | undefined): void {
  if (!isIdentifier(name)) return;
  const typed = type?.type === "TSTypeReference" && /(^|\.)Client$/.test(a.textOf(type.typeName));
  if (!typed && !(initializer !== undefined && isClient(a, initializer))) return;
  a.clientNames.add(name.name);
}

/** `client`, `x.client`, or anything reached from one (client.ws._ws.options). */
function isClient(a: Analysis, e: Node): boolean {
  let n = unwrap(e);
  for (;;) {
    if (isIdentifier(n)) return n.name === "client" || a.clientNames.has(n.name);
    // new Client(…): discord.js reads the token from the environment (DISCORD_TOKEN)
    if (n.type === "NewExpression") return /(^|\.)Client$/.test(a.textOf(unwrap(n.callee)));
    if (a.scope.memberName(n) === "client") return true;
    if (isMember(n)) n = unwrap(n.object);
    else return false;
  }
}

/** `object.name` / `object[name]` where object is a Discord client or lies below one. */
function checkClientMember(a: Analysis, node: MemberExpression, object: Node, name: string | undefined): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  if (name === "token" && isClient(a, object)) {
    a.report(node, "api/client-token", "reads client.token (the bot's credentials)");
  } else if (name === undefined && node.computed && isClient(a, object)) {
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
function checkClientEnumeration(a: Analysis, object: Node, node: Node): void {
  if (a.policy.forbiddenApis.clientToken && isClient(a, object))
    a.report(node, "api/client-token", "lists the client's properties (client.token among them: the bot's credentials)");
}

/** Reflect.get(client, "token"), Object.getOwnPropertyDescriptor(client, "token"), …Descriptors(client). */
export function checkClientReflection(a: Analysis, callee: string, args: readonly Node[], node: Node): void {
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
function checkClientDestructure(a: Analysis, pattern: Of<"ObjectPattern">, initializer: Node): void {
  if (!a.policy.forbiddenApis.clientToken) return;
  const walk = (p: Of<"ObjectPattern">, fromClient: boolean) => {
    for (const el of p.properties) {
      const k = el.type === "RestElement" ? undefined : (el.key as Node);
      const key =
        el.type === "RestElement" || k === undefined
          ? undefined
          : el.computed
            ? a.scope.fold(k)
            : isIdentifier(k)
              ? k.name
              : isStringLiteral(k)
                ? k.value
                : undefined;
      if (fromClient && (key === "token" || (key === undefined && el.type !== "RestElement"))) {
        a.report(el, "api/client-token", `reads client.${key ?? "[computed]"} (the bot's credentials)`);
      }
      // below a client stays below it: { client: { ws: { _ws: { options: { token } } } } }
      const value = el.type === "RestElement" ? el.argument : el.value.type === "AssignmentPattern" ? el.value.left : el.value;
      if (value.type === "ObjectPattern") walk(value, fromClient || key === "client");
    }
  };
  walk(pattern, isClient(a, initializer));
}
