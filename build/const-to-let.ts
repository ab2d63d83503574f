// Every `const` declaration in the bundle becomes `let`: two bytes each once minified. Safe
// because TypeScript already refuses any write to a const (tsc runs on every commit) and
// Espruino gives let and const the same block scope (src/jsparse.c, jspeStatementVar). Done on
// esbuild's output before terser, as "let  " in place of "const" (same length), so every
// source-map column stays exact.
import { parse } from "acorn";
import { simple } from "acorn-walk";

export function constToLet(code: string): string {
  const starts: number[] = [];
  simple(parse(code, { ecmaVersion: 2020, sourceType: "script" }), {
    VariableDeclaration(node) {
      if (node.kind === "const") starts.push(node.start);
    },
  });
  const out = code.split("");
  for (const start of starts) {
    if (code.slice(start, start + 5) !== "const") throw new Error(`const-to-let: no "const" at ${start}`);
    out.splice(start, 5, "let  ", "", "", "", "");
  }
  return out.join("");
}
