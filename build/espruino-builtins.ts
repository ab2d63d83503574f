// The built-ins Espruino 2v29 lacks (docs/espruino.md, "Language"), written once: the
// bundle check rejects references to them and the simulator removes them from its context.

/** Globals Espruino does not define. */
export const MISSING_GLOBALS = new Set([
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "Symbol",
  "Proxy",
  "Reflect",
  "BigInt",
  "Intl",
  "SharedArrayBuffer",
  "Atomics",
  "AggregateError",
]);

/** Static members Espruino's built-ins lack, by object. */
export const MISSING_STATICS: Record<string, string[]> = {
  Array: ["from", "of"],
  Object: ["freeze", "seal", "is", "isFrozen", "isSealed", "getOwnPropertySymbols"],
  Math: ["trunc"],
  Number: ["isNaN", "isInteger", "isFinite", "isSafeInteger"],
  Promise: ["race", "allSettled", "any"],
  String: ["raw"],
};

/** Methods called on any value that Espruino lacks on every prototype that could have them. */
export const MISSING_METHODS: Record<string, string> = {
  finally: "Promise.prototype.finally",
  flat: "Array.prototype.flat",
  flatMap: "Array.prototype.flatMap",
  // Strings, checked on 2v29's Linux build ("Field or method ... does not already exist").
  search: "String.prototype.search",
  normalize: "String.prototype.normalize",
  localeCompare: "String.prototype.localeCompare",
  codePointAt: "String.prototype.codePointAt",
  matchAll: "String.prototype.matchAll",
  trimStart: "String.prototype.trimStart",
  trimEnd: "String.prototype.trimEnd",
};
