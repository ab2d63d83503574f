// Latchkey's own lint rules: the platform and layering rules from ARCHITECTURE.md that no
// published plugin knows. Plain JavaScript so eslint.config.js loads it without a loader.
import path from "node:path";

const FIRMWARE = path.resolve(import.meta.dirname, "..", "firmware");

/** Layers inside firmware/, lowest first. A file may import its own layer or lower ones. */
function layerOf(file) {
  const relative = path.relative(FIRMWARE, file).split(path.sep).join("/");
  if (relative.startsWith("hal/espruino/")) return { name: "hal/espruino", rank: 1 };
  if (relative.startsWith("hal/")) return { name: "hal", rank: 0 };
  if (relative.startsWith("net/")) return { name: "net", rank: 2 };
  if (relative.startsWith("mqtt/codec/")) return { name: "mqtt/codec", rank: 3 };
  if (relative.startsWith("mqtt/")) return { name: "mqtt", rank: 4 };
  if (relative.startsWith("app/")) return { name: "app", rank: 5 };
  return { name: "composition root", rank: 9 };
}

/** Host-only files inside firmware/: the codec's checks in words, the decoder and encoder of
 *  every packet, for tests and host tools (and the interpreter tier, which runs them on
 *  Espruino). Only each other may import them, so none reaches the device's bundle. */
const HOST_ONLY = [
  "mqtt/codec/checks",
  "mqtt/codec/explain",
  "mqtt/codec/decode-any",
  "mqtt/codec/encode-any",
  "mqtt/codec/reader",
];

function isHostOnly(file) {
  const relative = path.relative(FIRMWARE, file).split(path.sep).join("/").replace(/\.ts$/, "");
  return HOST_ONLY.includes(relative);
}

/** Who may import whom: app -> mqtt -> net -> hal; the codec stays pure; only the
 *  composition root (firmware/main.ts) may reach hal/espruino. */
function importProblem(fromLayer, toLayer) {
  if (toLayer.name === "hal/espruino" && fromLayer.name !== "hal/espruino" && fromLayer.rank !== 9)
    return "only firmware/main.ts may import hal/espruino/ (the Espruino implementations)";
  if (fromLayer.name === "mqtt/codec" && toLayer.name !== "mqtt/codec")
    return "mqtt/codec/ is pure encode/decode: it imports nothing outside itself";
  if (toLayer.rank > fromLayer.rank && !(fromLayer.name === "hal/espruino" && toLayer.name === "hal"))
    return `dependencies point app -> mqtt -> net -> hal: ${fromLayer.name} may not import ${toLayer.name}`;
  return undefined;
}

const firmwareImports = {
  meta: {
    type: "problem",
    docs: { description: "firmware/ imports only relative firmware files, in layer order" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!file.startsWith(FIRMWARE + path.sep)) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== "string") return;
      const specifier = source.value;
      if (!specifier.startsWith(".")) {
        context.report({
          node,
          message: `firmware may not import '${specifier}': Espruino has no Node modules or npm packages; built-in modules are require()d only in hal/espruino/`,
        });
        return;
      }
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(FIRMWARE + path.sep)) {
        context.report({ node, message: `firmware may not import '${specifier}' from outside firmware/` });
        return;
      }
      const problem = importProblem(layerOf(file), layerOf(target));
      if (problem) context.report({ node, message: problem });
      else if (isHostOnly(target) && !isHostOnly(file))
        context.report({
          node,
          message: `'${specifier}' is host-only (tests and tools): device code may not import it`,
        });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

const ERROR_CLASSES = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "InternalError"]);

const noExtendsError = {
  meta: {
    type: "problem",
    docs: { description: "Espruino fails on `class X extends Error` (\"Calling 'super' outside of class\")" },
    schema: [],
  },
  create(context) {
    const check = (node) => {
      if (node.superClass && node.superClass.type === "Identifier" && ERROR_CLASSES.has(node.superClass.name))
        context.report({
          node,
          message: `Espruino cannot extend ${node.superClass.name}: use new Error(message) with a code property`,
        });
    };
    return { ClassDeclaration: check, ClassExpression: check };
  },
};

/** Counts the classes above this one using the type checker, so a parent from another file
 *  counts too. Espruino's super calls overflow the stack in a three-level chain. */
const maxClassDepth = {
  meta: {
    type: "problem",
    docs: { description: "no class hierarchy deeper than two levels (Espruino's super overflows at three)" },
    schema: [],
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services || !services.program) return {};
    const checker = services.program.getTypeChecker();
    const check = (node) => {
      if (!node.superClass) return;
      let depth = 1;
      let type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
      for (;;) {
        const bases = type.isClassOrInterface() ? checker.getBaseTypes(type) : [];
        if (bases.length === 0) break;
        depth++;
        type = bases[0];
      }
      if (depth > 2) context.report({ node, message: `class hierarchy is ${depth} levels deep: Espruino allows two` });
    };
    return { ClassDeclaration: check, ClassExpression: check };
  },
};

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);

/** ESLint's no-loop-func trusts `let` to make a binding per iteration; Espruino does not
 *  (docs/espruino.md): every closure made in `for (let i ...)` sees the last i. So any closure in a
 *  loop that captures a variable declared in that loop is an error. */
const noLoopClosure = {
  meta: {
    type: "problem",
    docs: { description: "no closure in a loop capturing a variable declared in that loop" },
    schema: [],
  },
  create(context) {
    const check = (node) => {
      let loop;
      for (let parent = node.parent; parent && !loop; parent = parent.parent) {
        if (LOOPS.has(parent.type)) loop = parent;
        else if (parent.type.endsWith("FunctionExpression") || parent.type === "FunctionDeclaration") return;
      }
      if (!loop) return;
      const reported = new Set();
      for (const reference of context.sourceCode.getScope(node).through) {
        const variable = reference.resolved;
        if (!variable || reported.has(variable) || variable.defs.length === 0) continue;
        const declared = variable.defs[0].node.range;
        if (declared[0] >= loop.range[0] && declared[1] <= loop.range[1]) {
          reported.add(variable);
          context.report({
            node,
            message: `closure captures '${variable.name}', declared in the loop: Espruino shares one binding across iterations; pass it to a helper function instead`,
          });
        }
      }
    };
    return { ArrowFunctionExpression: check, FunctionExpression: check, FunctionDeclaration: check };
  },
};

/** Espruino ends a `for (k in o)` whose current key is deleted (docs/espruino.md): the iterator
 *  holds the removed child. So `delete o[...]` anywhere inside a for..in over `o` is an error. */
const noDeleteInForIn = {
  meta: {
    type: "problem",
    docs: { description: "no delete from an object inside a for..in over it" },
    schema: [],
  },
  create(context) {
    const text = (node) => context.sourceCode.getText(node);
    return {
      UnaryExpression(node) {
        if (node.operator !== "delete" || node.argument.type !== "MemberExpression") return;
        const object = text(node.argument.object);
        for (let parent = node.parent; parent; parent = parent.parent) {
          if (parent.type === "ForInStatement" && text(parent.right) === object) {
            context.report({
              node,
              message: `delete from '${object}' inside a for..in over it: Espruino ends the loop; mark the entry (e.g. set it false) or collect the keys first`,
            });
            return;
          }
        }
      },
    };
  },
};

export default {
  meta: { name: "eslint-plugin-latchkey" },
  rules: {
    "firmware-imports": firmwareImports,
    "no-extends-error": noExtendsError,
    "max-class-depth": maxClassDepth,
    "no-loop-closure": noLoopClosure,
    "no-delete-in-for-in": noDeleteInForIn,
  },
};
