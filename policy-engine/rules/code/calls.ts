// Calls and `new`: what the callee resolves to (through aliases, `.call`, `.apply` and
// `.bind`) decides which concern judges the call. The first that claims it ends the
// checks, in this order: code from strings (.constructor, timers with strings), module
// loaders, require, network, `import(…).then` bindings, fs. (import() is an ImportExpression
// of its own: see walk.ts.)
import type { Analysis } from "./analysis.ts";
import { isClassNode, isMember, unwrap, type CallLike, type Node } from "./ast.ts";
import { bindThenParameter } from "./bindings.ts";
import { checkClientReflection } from "./client-token.ts";
import { checkFsCall } from "./fs.ts";
import { checkRequireCall, checkTestLoaderCall } from "./module-loads.ts";
import { checkDunderDefiner, checkForeignMethodMutation, checkMutatorCall } from "./mutation.ts";
import { checkCapabilityFetch, checkNetworkCall } from "./network.ts";
import { checkTestFocus } from "./test-calls.ts";
import { isConstructorPath, TIMERS } from "./uses.ts";

export function visitCall(a: Analysis, node: CallLike): void {
  const { scope } = a;
  if (node.type === "CallExpression") {
    checkTestFocus(a, node);
    checkForeignMethodMutation(a, node);
    checkDunderDefiner(a, node);
  }
  const resolved = scope.resolve(node.callee);
  const viaCall = resolved !== undefined && /\.(call|apply)$/.test(resolved);
  if (resolved === undefined) {
    checkCapabilityFetch(a, node);
    return;
  }
  const target = unbound(resolved, node.arguments);
  if (target === undefined) return;
  const { callee, args } = target;
  const arg0 = args[0];
  const isNew = node.type === "NewExpression";
  checkClientReflection(a, callee, args, node);
  if (checkConstructorCall(a, node, callee, args, isNew)) return;
  if (checkTestLoaderCall(a, node, callee, arg0)) return;
  checkMutatorCall(a, node, callee, arg0, viaCall);
  if (!isNew && checkRequireCall(a, node, callee, arg0)) return;
  if (TIMERS.has(callee) && a.api.impliedEval && arg0) {
    if (scope.isStringish(arg0)) a.report(node, "api/implied-eval", `${callee} with a string runs it as code`);
    return;
  }
  if (checkNetworkCall(a, node, callee, args, isNew)) return;
  if (bindThenParameter(a, callee, arg0)) return;
  checkFsCall(a, node, callee, args);
}

/**
 * The function really called and its arguments: f.call(thisArg, ...args) is f(...args),
 * f.bind(thisArg, ...args) binds the call's arguments (none bound: nothing to check yet),
 * f.apply(thisArg, array) hides its arguments unless the array is a literal.
 */
function unbound(callee: string, args: readonly Node[]): { callee: string; args: readonly Node[] } | undefined {
  if (callee.endsWith(".call")) return { callee: callee.slice(0, -".call".length), args: args.slice(1) };
  if (callee.endsWith(".bind")) {
    const bound = args.slice(1);
    return bound.length === 0 ? undefined : { callee: callee.slice(0, -".bind".length), args: bound };
  }
  if (callee.endsWith(".apply")) {
    const list = args[1] !== undefined ? unwrap(args[1]) : undefined;
    const elements = list?.type === "ArrayExpression" ? list.elements.filter((e): e is NonNullable<typeof e> => e !== null) : [];
    return { callee: callee.slice(0, -".apply".length), args: elements };
  }
  return { callee, args };
}

// x.constructor(src), new x.constructor(src), Reflect.construct(Object.constructor, [src]):
// the constructor of any function is Function, so these build code from a string
function checkConstructorCall(a: Analysis, node: CallLike, callee: string, args: readonly Node[], isNew: boolean): boolean {
  if (isConstructorPath(callee) && args.length > 0 && !(isNew && isInstanceConstructor(node))) {
    a.report(
      node,
      "api/function-constructor",
      `${isNew ? "new " : "calls "}${a.textOf(node.callee).slice(0, 60)}(…) with arguments: a .constructor of a function is the Function constructor (code from a string)`,
    );
    return true;
  }
  const arg0 = args[0];
  if ((callee === "Reflect.construct" || callee === "Reflect.apply") && arg0 && isConstructorPath(a.scope.resolve(arg0))) {
    a.report(
      node,
      "api/function-constructor",
      `${callee} of a .constructor: the .constructor of a function is the Function constructor (code from a string)`,
    );
    return true;
  }
  return false;
}

/** `this.constructor` inside an instance member of a class: the class, not Function. */
function isInstanceConstructor(call: CallLike): boolean {
  const c = unwrap(call.callee);
  if (!isMember(c) || unwrap(c.object).type !== "ThisExpression") return false;
  // (from the call up: the walk has linked the parents of the nodes it has reached)
  for (let n: Node | null | undefined = call.parent; n; n = n.parent) {
    if (n.type === "ArrowFunctionExpression") continue;
    // a method's, constructor's or accessor's function (its parent holds `static`), or a field
    const member =
      n.type === "FunctionExpression" && (n.parent?.type === "MethodDefinition" || n.parent?.type === "TSAbstractMethodDefinition")
        ? n.parent
        : n;
    if (
      member.type === "MethodDefinition" ||
      member.type === "TSAbstractMethodDefinition" ||
      member.type === "PropertyDefinition" ||
      member.type === "TSAbstractPropertyDefinition" ||
      member.type === "AccessorProperty"
    ) {
      const inClass =
        member.parent?.type === "ClassBody" &&
        member.parent.parent !== undefined &&
        member.parent.parent !== null &&
        isClassNode(member.parent.parent);
      return !member.static && inClass;
    }
    if (n.type === "FunctionExpression" || n.type === "FunctionDeclaration" || n.type === "Program" || n.type === "StaticBlock")
      return false;
  }
  return false;
}
