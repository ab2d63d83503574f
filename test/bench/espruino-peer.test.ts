// The bench prepares a peer library the way its users run it on Espruino: minifying must not
// turn a helper into a function expression inside a method (created again, its text copied,
// on every call: src/jsparse.c), which would make the peer slower than what users run.
import { readFile } from "node:fs/promises";
import { minify } from "terser";
import { describe, expect, it } from "vitest";
import { prepareEspruinoModule } from "../../scripts/bench/espruino.ts";
import { addedFunctions, functionsInsideMethods } from "../../scripts/bench/function-nesting.ts";

/** A module shaped like Espruino's MQTT module: a method calling single-use helpers. */
const MODULE = `
function frame(cmd, body) { return String.fromCharCode(cmd, body.length) + body; }
function encode(topic, message, qos) { var cmd = 48 | (qos << 1); return frame(cmd, topic + message); }
function Client() { this.client = false; }
Client.prototype.publish = function (topic, message, opts) {
  if (!this.client) return;
  opts = opts || {};
  this.client.write(encode(topic, message.toString(), opts.qos || 0));
};
Client.prototype.handle = function (data) { var self = this; setTimeout(function () { self.emit("x", data); }, 0); };
exports.create = function () { return new Client(); };
`;

describe("the bench's Espruino peer", () => {
  it("counts the functions each method creates", () => {
    expect(functionsInsideMethods(MODULE)).toEqual({ publish: 0, handle: 1, create: 0 });
  });

  it("finds a helper inlined into a method, as terser's default inlining writes it", async () => {
    // How the bench prepared the module before: wrapped, terser's defaults (reduce_funcs on).
    const wrapped = `var M=(function(){var exports={};${MODULE}return exports;})();`;
    const old = (await minify(wrapped, { compress: { passes: 2, hoist_funs: false }, mangle: true })).code!;
    expect(old).toMatch(/function\([a-z,]*\)\{[^}]*\}\(/);
    expect(addedFunctions(MODULE, old)).toEqual(["publish: 0 in the source, 1 as prepared"]);
  });

  it("loads the module with Modules.addCached and require, no function added to a method", async () => {
    const { code, minified } = await prepareEspruinoModule(MODULE);
    expect(addedFunctions(MODULE, minified)).toEqual([]);
    expect(code).toMatch(/^Modules\.addCached\("MQTT",function\(\)\{/);
    expect(code).toContain('var EMQTT=require("MQTT");');
  });

  it.skipIf(!process.env.ESPRUINO_MQTT_JS)(
    "prepares Espruino's own MQTT module without adding a function",
    async () => {
      const source = await readFile(process.env.ESPRUINO_MQTT_JS!, "utf8");
      const { minified } = await prepareEspruinoModule(source);
      expect(addedFunctions(source, minified)).toEqual([]);
      expect(functionsInsideMethods(minified).publish).toBe(0);
    },
  );
});
