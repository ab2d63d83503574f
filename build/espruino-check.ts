// The Espruino compatibility check: parses the bundle with acorn and reports every construct
// that Espruino 2v29 cannot parse or run (docs/espruino.md, "Language"). esbuild at
// es2015 leaves destructuring, defaults, rest/spread and generators untouched, so this is the
// last line of defence between the TypeScript and a device that throws a SyntaxError at boot.
import { parse, type Node } from "acorn";
import { fullAncestor } from "acorn-walk";
import { findUnsupportedRegex } from "./regex-support.ts";
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS } from "./espruino-builtins.ts";

export interface Finding {
  /** The construct's name, e.g. "destructuring (object pattern)". */
  construct: string;
  /** 1-based line and 0-based column in the checked code (acorn's convention). */
  line: number;
  column: number;
}

// acorn's ESTree nodes are loosely typed; the walker below reads fields by node type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>;

function declaredNames(root: Node): Set<string> {
  const names = new Set<string>();
  const addPattern = (pattern: AnyNode | null | undefined): void => {
    if (!pattern) return;
    if (pattern.type === "Identifier") names.add(pattern.name);
    else if (pattern.type === "AssignmentPattern") addPattern(pattern.left);
    else if (pattern.type === "RestElement") addPattern(pattern.argument);
    else if (pattern.type === "ArrayPattern") pattern.elements.forEach(addPattern);
    else if (pattern.type === "ObjectPattern")
      for (const p of pattern.properties) addPattern(p.type === "RestElement" ? p : p.value);
  };
  fullAncestor(root, (node: AnyNode) => {
    switch (node.type) {
      case "VariableDeclarator":
        addPattern(node.id);
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        addPattern(node.id);
        node.params.forEach(addPattern);
        break;
      case "ClassDeclaration":
      case "ClassExpression":
        addPattern(node.id);
        break;
      case "CatchClause":
        addPattern(node.param);
        break;
    }
  });
  return names;
}

/** True when an Identifier is a name (property key, label) rather than a variable reference. */
function isNonReference(node: AnyNode, parent: AnyNode | undefined): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case "MemberExpression":
      return parent.property === node && !parent.computed;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      return parent.key === node && !parent.computed && parent.value !== node;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
    case "MetaProperty":
      return true;
    default:
      return false;
  }
}

function isFunction(node: AnyNode): boolean {
  return (
    node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression"
  );
}

export function checkEspruinoCompatibility(code: string): Finding[] {
  const findings: Finding[] = [];
  let ast: Node;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "script", locations: true, allowHashBang: false });
  } catch (error) {
    const e = error as { message: string; loc?: { line: number; column: number } };
    return [{ construct: `syntax error: ${e.message}`, line: e.loc?.line ?? 1, column: e.loc?.column ?? 0 }];
  }
  const declared = declaredNames(ast);
  const report = (node: AnyNode, construct: string, offset = 0): void => {
    const start = node.loc!.start;
    findings.push({ construct, line: start.line, column: start.column + offset });
  };

  // Espruino runs `var` where it stands instead of hoisting it (src/jsparse.c, jspeStatementVar):
  // a name used in its function before its `var` reaches the outer variable, or a new global.
  // terser can emit that shape when it inlines a function that has parameters.
  const firstUse = new Map<Node, Map<string, number>>();
  const vars: { scope: Node; name: string; node: AnyNode }[] = [];
  const scopeOf = (ancestors: Node[]): Node => {
    for (let i = ancestors.length - 2; i >= 0; i--) if (isFunction(ancestors[i] as AnyNode)) return ancestors[i];
    return ancestors[0];
  };
  /** True when `name` at the end of `ancestors` is a let/const/class of an enclosing block, a
   *  loop head or a catch clause inside its function, or one of the function's parameters. */
  const blockScoped = (name: string, ancestors: Node[]): boolean => {
    const declares = (d: AnyNode | null | undefined) =>
      !!d &&
      ((d.type === "VariableDeclaration" &&
        d.kind !== "var" &&
        d.declarations.some((v: AnyNode) => v.id.name === name)) ||
        (d.type === "ClassDeclaration" && d.id?.name === name));
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i] as AnyNode;
      if (isFunction(a)) return a.params.some((p: AnyNode) => p.type === "Identifier" && p.name === name);
      if ((a.type === "BlockStatement" || a.type === "Program") && a.body.some(declares)) return true;
      if (
        (a.type === "ForStatement" && declares(a.init)) ||
        ((a.type.startsWith("ForI") || a.type === "ForOfStatement") && declares(a.left))
      )
        return true;
      if (a.type === "CatchClause" && a.param?.type === "Identifier" && a.param.name === name) return true;
    }
    return false;
  };

  fullAncestor(ast, (node: AnyNode, _state: unknown, ancestors: Node[]) => {
    const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
    if (
      node.type === "Identifier" &&
      !isNonReference(node, parent) &&
      !(parent?.type === "VariableDeclarator" && parent.id === node) &&
      !blockScoped(node.name, ancestors)
    ) {
      const uses = firstUse.get(scopeOf(ancestors)) ?? new Map<string, number>();
      firstUse.set(scopeOf(ancestors), uses);
      if (!uses.has(node.name)) uses.set(node.name, node.start);
    }
    if (node.type === "VariableDeclarator" && node.id.type === "Identifier" && parent?.kind === "var")
      vars.push({ scope: scopeOf(ancestors.slice(0, -1)), name: node.id.name, node });
    switch (node.type) {
      case "ObjectPattern":
        report(node, "destructuring (object pattern)");
        break;
      case "ArrayPattern":
        report(node, "destructuring (array pattern)");
        break;
      case "AssignmentPattern":
        report(node, parent && isFunction(parent) ? "default parameter" : "default value in destructuring");
        break;
      case "RestElement":
        report(node, parent && isFunction(parent) ? "rest parameter" : "rest element");
        break;
      case "SpreadElement":
        report(node, parent?.type === "ObjectExpression" ? "object spread" : "spread");
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        if (node.async) report(node, "async function");
        if (node.generator) report(node, "generator function");
        break;
      case "AwaitExpression":
        report(node, "await");
        break;
      case "YieldExpression":
        report(node, "yield");
        break;
      case "ForOfStatement":
        if (node.await) report(node, "for await");
        break;
      case "BinaryExpression":
        if (node.operator === "**") report(node, "exponent operator '**'");
        break;
      case "AssignmentExpression":
        if (["||=", "&&=", "??="].includes(node.operator)) report(node, `logical assignment '${node.operator}'`);
        if (node.operator === "**=") report(node, "exponent operator '**='");
        break;
      case "ChainExpression":
        report(node, "optional chaining '?.'");
        break;
      case "LabeledStatement":
        report(node, "label");
        break;
      case "TaggedTemplateExpression":
        report(node, "tagged template");
        break;
      case "Property":
        if (node.computed && parent?.type === "ObjectExpression") report(node, "computed property name");
        break;
      case "MethodDefinition":
        if (node.computed) report(node, "computed class member");
        break;
      case "PropertyDefinition":
        report(node, node.key.type === "PrivateIdentifier" ? "#private class field" : "class field");
        break;
      case "PrivateIdentifier":
        if (parent?.type !== "PropertyDefinition") report(node, "#private member");
        break;
      case "StaticBlock":
        report(node, "static block");
        break;
      case "MetaProperty":
        report(node, `${node.meta.name}.${node.property.name}`);
        break;
      case "ImportExpression":
        report(node, "dynamic import()");
        break;
      case "ImportDeclaration":
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration":
        report(node, "ES module syntax");
        break;
      case "ArrayExpression":
        if (node.elements.some((e: Node | null) => e === null)) report(node, "array hole");
        break;
      case "Literal":
        if (node.bigint !== undefined) report(node, "BigInt literal");
        if (node.regex) {
          for (const p of findUnsupportedRegex(node.regex.pattern, node.regex.flags))
            report(node, p.feature, p.index < 0 ? 0 : p.index + 1);
        }
        break;
      case "NewExpression":
      case "CallExpression":
        if (
          node.callee.type === "Identifier" &&
          node.callee.name === "RegExp" &&
          node.arguments[0]?.type === "Literal" &&
          typeof node.arguments[0].value === "string"
        ) {
          const flags = node.arguments[1]?.type === "Literal" ? String(node.arguments[1].value) : "";
          for (const p of findUnsupportedRegex(node.arguments[0].value, flags)) report(node, p.feature);
        }
        break;
      case "MemberExpression":
        if (!node.computed && node.property.type === "Identifier") {
          const member = node.property.name as string;
          if (node.object.type === "Identifier" && !declared.has(node.object.name)) {
            const missing = MISSING_STATICS[node.object.name];
            if (missing?.includes(member)) report(node, `${node.object.name}.${member} (missing in Espruino)`);
          }
          if (Object.hasOwn(MISSING_METHODS, member) && parent?.type === "CallExpression" && parent.callee === node)
            report(node.property, `${MISSING_METHODS[member]} (missing in Espruino)`);
        }
        break;
      case "Identifier":
        // `of` is a keyword token in Espruino's lexer (src/jslex.c: LEX_R_OF), in any position.
        if (node.name === "of") report(node, "identifier 'of'");
        else if (MISSING_GLOBALS.has(node.name) && !declared.has(node.name) && !isNonReference(node, parent))
          report(node, `${node.name} (missing in Espruino)`);
        break;
    }
  });
  for (const v of vars) {
    const used = firstUse.get(v.scope)?.get(v.name);
    if (used !== undefined && used < v.node.start) report(v.node, `var '${v.name}' used before its declaration`);
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return findings;
}
