// The codec's byte vectors and malformed inputs (test/mqtt/vectors.ts) on Espruino's own
// interpreter, with the codec bundled and minified exactly as the firmware build does it:
// whatever Node proves about the codec must hold where it runs. Needs ESPRUINO (a Linux build
// of Espruino); skipped with a message without it.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFirmware } from "../../build/build.ts";
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import { MALFORMED, VECTORS } from "../mqtt/vectors.ts";

const ESPRUINO = process.env.ESPRUINO;
if (!ESPRUINO) console.warn("ESPRUINO is not set: skipping the codec tests on Espruino's interpreter");

interface Result {
  i: number;
  packets: Packet[];
  error?: string;
  buffered: number;
  encoded?: string;
}

const hex = (bytes: string) => Buffer.from(bytes, "latin1").toString("hex");
const STREAM = VECTORS.map((v) => v.wire).join("");
const CASES = [
  ...VECTORS.map((v) => ({ wire: hex(v.wire), packet: v.packet })),
  ...MALFORMED.map(([, wire]) => ({ wire: hex(wire) })),
  { wire: hex(STREAM) },
  { wire: hex(STREAM), oneByOne: true },
];

describe.skipIf(!ESPRUINO)("codec on Espruino's interpreter", () => {
  let dir: string;
  let results: Result[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-codec-"));
    const built = await buildFirmware({
      root: path.resolve(import.meta.dirname, "../.."),
      entry: "test/espruino/codec-entry.ts",
      outFile: path.join(dir, "codec.js"),
      version: "0.0.0-test",
      sizeBudgetBytes: 1 << 20,
    });
    const script = `var CASES=${JSON.stringify(CASES)};\n` + (await readFile(built.outFile, "utf8"));
    await writeFile(path.join(dir, "run.js"), script);
    // From a temp folder (the interpreter writes files where it runs), stdin closed (it then
    // leaves its REPL once the script is done).
    const run = promisify(execFile)(ESPRUINO!, ["run.js"], { cwd: dir, timeout: 60_000 });
    run.child.stdin?.end();
    const { stdout } = await run;
    results = stdout
      .split("\n")
      .filter((l) => l.includes("RESULT "))
      .map((l) => JSON.parse(l.slice(l.indexOf("RESULT ") + 7)) as Result);
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("ran every case", () => {
    expect(results.map((r) => r.i)).toEqual(CASES.map((_c, i) => i));
  });

  VECTORS.forEach((v, i) => {
    it(`${v.name}: decodes and encodes byte for byte`, () => {
      expect(results[i]).toMatchObject({ packets: [v.packet], buffered: 0, encoded: hex(v.wire) });
      expect(results[i].error).toBeUndefined();
    });
  });

  MALFORMED.forEach(([name, , error], k) => {
    it(`${name}: the exact protocol error`, () => {
      const r = results[VECTORS.length + k];
      expect(r.error).toBe(error);
      expect(r.packets).toEqual([]);
      expect(r.buffered).toBe(0);
    });
  });

  it("decodes every vector from one stream, whole and one byte at a time", () => {
    const all = VECTORS.map((v) => v.packet);
    const [whole, oneByOne] = results.slice(-2);
    expect(whole).toMatchObject({ packets: all, buffered: 0 });
    expect(oneByOne).toMatchObject({ packets: all, buffered: 0 });
    expect(whole.error).toBeUndefined();
    expect(oneByOne.error).toBeUndefined();
  });
});
