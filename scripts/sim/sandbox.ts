// The vm context the bundle runs in: the device's globals (boot-context.ts makes them), without what
// Espruino lacks (build/espruino-builtins.ts), so using one fails here as it would on the
// device; JSON.parse of the device's realm, and Math.random from the device's generator.
import vm from "node:vm";
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS } from "../../build/espruino-builtins.ts";

const REMOVE_MISSING = [
  ...[...MISSING_GLOBALS].map((name) => `delete globalThis.${name};`),
  ...Object.entries(MISSING_STATICS).flatMap(([object, names]) => names.map((name) => `delete ${object}.${name};`)),
  ...Object.values(MISSING_METHODS).map((path) => `delete ${path};`),
  "delete globalThis.globalThis;",
].join("");

export interface Sandbox {
  context: vm.Context;
  /** JSON.parse in the device's realm (values the device reads back are its own objects). */
  parse: (text: string) => unknown;
}

/** `random`: Math.random, the fixed-seed generator (src/jswrap_math.c: rand()/(RAND_MAX+1)). */
export function espruinoSandbox(globals: Record<string, unknown>, random: () => number): Sandbox {
  const context = vm.createContext(globals, { name: "espruino" });
  vm.runInContext(REMOVE_MISSING, context);
  const parse = vm.runInContext("(function (t) { return JSON.parse(t); })", context) as (text: string) => unknown;
  (vm.runInContext("Math", context) as Math).random = random;
  return { context, parse };
}
