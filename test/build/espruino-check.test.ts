import { describe, expect, it } from "vitest";
import { checkEspruinoCompatibility } from "../../build/espruino-check.ts";

/** [snippet, construct, line, column (0-based)]: each must be rejected exactly there. */
const REJECTED: [string, string, number, number][] = [
  ["var {a} = o;", "destructuring (object pattern)", 1, 4],
  ["var [a] = o;", "destructuring (array pattern)", 1, 4],
  ["[a, b] = [b, a];", "destructuring (array pattern)", 1, 0],
  ["function f(a = 1) {}", "default parameter", 1, 11],
  ["function f(...a) {}", "rest parameter", 1, 11],
  ["f(...a);", "spread", 1, 2],
  ["var a = [...b];", "spread", 1, 9],
  ["var a = {...b};", "object spread", 1, 9],
  ["async function f() {}", "async function", 1, 0],
  ["var f = async () => 1;", "async function", 1, 8],
  ["function* g() {}", "generator function", 1, 0],
  ["var a = 2 ** 3;", "exponent operator '**'", 1, 8],
  ["a **= 2;", "exponent operator '**='", 1, 0],
  ["var a = b?.c;", "optional chaining '?.'", 1, 8],
  ["a ||= 1;", "logical assignment '||='", 1, 0],
  ["a &&= 1;", "logical assignment '&&='", 1, 0],
  ["a ??= 1;", "logical assignment '??='", 1, 0],
  ["outer: for (;;) break outer;", "label", 1, 0],
  ["tag`x`;", "tagged template", 1, 0],
  ["var o = {[k]: 1};", "computed property name", 1, 9],
  ["class A { [k]() {} }", "computed class member", 1, 10],
  ["class A { x = 1 }", "class field", 1, 10],
  ["class A { #x = 1 }", "#private class field", 1, 10],
  ["class A { static { } }", "static block", 1, 10],
  ["function F() { return new.target; }", "new.target", 1, 22],
  ["import('x');", "dynamic import()", 1, 0],
  ["var a = 10n;", "BigInt literal", 1, 8],
  ["var of = 1;", "identifier 'of'", 1, 4],
  ["var a = [1,,2];", "array hole", 1, 8],
  ["var m = new Map();", "Map (missing in Espruino)", 1, 12],
  ["var s = new Set();", "Set (missing in Espruino)", 1, 12],
  ["var w = new WeakMap();", "WeakMap (missing in Espruino)", 1, 12],
  ["var w = new WeakSet();", "WeakSet (missing in Espruino)", 1, 12],
  ["var s = Symbol('x');", "Symbol (missing in Espruino)", 1, 8],
  ["var p = new Proxy({}, {});", "Proxy (missing in Espruino)", 1, 12],
  ["Reflect.ownKeys(o);", "Reflect (missing in Espruino)", 1, 0],
  ["Array.from(x);", "Array.from (missing in Espruino)", 1, 0],
  ["Array.of(1);", "Array.of (missing in Espruino)", 1, 0],
  ["Object.freeze(o);", "Object.freeze (missing in Espruino)", 1, 0],
  ["Math.trunc(1.5);", "Math.trunc (missing in Espruino)", 1, 0],
  ["Number.isNaN(x);", "Number.isNaN (missing in Espruino)", 1, 0],
  ["Promise.race([p]);", "Promise.race (missing in Espruino)", 1, 0],
  ["p.then(f).finally(g);", "Promise.prototype.finally (missing in Espruino)", 1, 10],
  ["x.flat();", "Array.prototype.flat (missing in Espruino)", 1, 2],
  ["var r = /ab?/;", "regex quantifier '?'", 1, 11],
  ["var r = /a{2}/;", "regex quantifier '{n}'", 1, 10],
  ["var r = /(?:a)/;", "regex group '(?' (non-capturing, lookaround or named)", 1, 9],
  ["var r = /(?=a)/;", "regex group '(?' (non-capturing, lookaround or named)", 1, 9],
  ["var r = /(?<!a)b/;", "regex group '(?' (non-capturing, lookaround or named)", 1, 9],
  ["var r = /a/u;", "regex flag 'u'", 1, 8],
  ["var r = /a/y;", "regex flag 'y'", 1, 8],
  ["var r = /a/s;", "regex flag 's'", 1, 8],
  ["var r = /a/d;", "regex flag 'd'", 1, 8],
  ["var r = /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)/;", "regex with more than 9 capture groups", 1, 36],
  ["var r = new RegExp('a?');", "regex quantifier '?'", 1, 8],
  // terser's inlining wrote this; Espruino 2v29 assigns the OUTER n (var is not hoisted).
  [
    "var n = 'lk.key'; function f(t) { var s = (n = t.BOARD); var n; return s; }",
    "var 'n' used before its declaration",
    1,
    61,
  ],
  ["function g() { x = 1; var x; }", "var 'x' used before its declaration", 1, 26],
];

describe("Espruino compatibility check", () => {
  it.each(REJECTED)("rejects %s as %s", (snippet, construct, line, column) => {
    const findings = checkEspruinoCompatibility(snippet);
    expect(findings).toContainEqual({ construct, line, column });
  });

  it("reports the line and column of a construct deep in a file", () => {
    const code = "var a = 1;\nfunction f() {\n  return g(...args);\n}";
    expect(checkEspruinoCompatibility(code)).toEqual([{ construct: "spread", line: 3, column: 11 }]);
  });

  it("accepts everything Espruino does support", () => {
    const code = [
      "class Base { constructor(x) { this.x = x; } get double() { return this.x * 2; } static make() { return new Base(1); } }",
      "class Child extends Base { constructor() { super(2); } set value(v) { this.x = v; } }",
      "const add = (a, b) => a + b;",
      "let total = 0;",
      "for (const n of [1, 2, 3]) total += n;",
      "const label = `total ${total}`;",
      "const fallback = undefined ?? 'default';",
      "const shorthand = { add, label, method() { return 1; } };",
      "try { JSON.parse('{'); } catch { total = -1; }",
      "Promise.all([Promise.resolve(1)]).then((v) => v).catch(() => 0);",
      "const scan = /^lk\\.[a-z]+$/;",
      "const escaped = /a\\?b\\{2\\}/;",
      "const classy = /[?{(]/;",
      "const keys = Object.keys(shorthand); const has = [1].includes(1);",
      "var local = { of: undefined }.method; var x = {}; x.ofs = 1;",
      "function h(y) { var z = y; for (var i = 0; i < 2; i++) z += i; return function () { return late; }; var late; }",
      "var early = 1; function k() { return early; }",
      "function m(p) { for (let j = 0; j < 2; j++) { const u = j; p(u); } var u = 0; try { p(); } catch (c) { p(c); } var c = 1; return u + c; }",
      "function q(a) { a = 1; var a; return a; }",
    ].join("\n");
    expect(checkEspruinoCompatibility(code)).toEqual([]);
  });

  it("does not mistake a local variable or a property for a missing global", () => {
    const code = "function f(Map) { return Map; } var o = { Set: 1 }; o.Symbol = 2; o.from = Array.isArray;";
    expect(checkEspruinoCompatibility(code)).toEqual([]);
  });

  it("turns a syntax error into a finding instead of throwing", () => {
    const findings = checkEspruinoCompatibility("var = ;");
    expect(findings).toHaveLength(1);
    expect(findings[0].construct).toMatch(/^syntax error: Unexpected token/);
    expect(findings[0]).toMatchObject({ line: 1, column: 4 });
  });
});
