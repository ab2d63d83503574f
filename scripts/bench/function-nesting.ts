// Which functions a script creates inside its methods, for the bench's check that a peer
// library was prepared the way its users run it: Espruino creates a function expression again,
// its text copied, every time it is evaluated (src/jsparse.c, jspeFunctionDefinition), so a
// minifier that inlines a single-use helper into a method as `function(..){..}(..)` makes every
// call of that method slower than the library its users run (docs/espruino.md).
import { parse, type Node } from "acorn";
import { ancestor } from "acorn-walk";

type FunctionNode = Node & { type: "FunctionExpression" | "ArrowFunctionExpression" | "FunctionDeclaration" };

/** The name a function expression is stored under, when it is a method: `X.prototype.name =
 *  function`, `exports.name = function`, `{ name: function }`, `name(){}`. Property names
 *  survive minification where local names do not. */
function methodName(fn: Node, parent: Node | undefined): string | undefined {
  if (!parent) return undefined;
  const p = parent as Node & {
    type: string;
    left?: { type: string; property?: { type: string; name?: string; value?: unknown } };
    right?: Node;
    key?: { type: string; name?: string; value?: unknown };
    value?: Node;
  };
  if (p.type === "AssignmentExpression" && p.right === fn && p.left?.type === "MemberExpression") {
    const prop = p.left.property;
    return prop?.type === "Identifier" ? prop.name : String(prop?.value);
  }
  if ((p.type === "Property" || p.type === "MethodDefinition") && p.value === fn && p.key) {
    return p.key.type === "Identifier" ? p.key.name : String(p.key.value);
  }
  return undefined;
}

/** For every method of `code` (by property name), how many functions are created inside it. */
export function functionsInsideMethods(code: string): Record<string, number> {
  const ast = parse(code, { ecmaVersion: 2020, sourceType: "script" });
  const counts: Record<string, number> = {};
  const visit = (node: Node, ancestors: Node[]) => {
    const self = ancestors.length - 1;
    const name = methodName(node, ancestors[self - 1]);
    if (name !== undefined && !(name in counts)) counts[name] = 0;
    // Count this function against every method it lies inside.
    for (let i = self - 1; i >= 1; i--) {
      const outer = ancestors[i] as FunctionNode;
      if (!/Function/.test(outer.type)) continue;
      const outerName = methodName(outer, ancestors[i - 1]);
      if (outerName !== undefined) counts[outerName] = (counts[outerName] ?? 0) + 1;
    }
  };
  ancestor(ast, { FunctionExpression: visit, ArrowFunctionExpression: visit, FunctionDeclaration: visit });
  return counts;
}

/** The methods of `prepared` that create more functions than the same method of `source`, as
 *  lines "name: 0 in the source, 1 as prepared". */
export function addedFunctions(source: string, prepared: string): string[] {
  const before = functionsInsideMethods(source);
  const after = functionsInsideMethods(prepared);
  return Object.keys(after)
    .filter((name) => after[name] > (before[name] ?? 0))
    .map((name) => `${name}: ${before[name] ?? 0} in the source, ${after[name]} as prepared`);
}
