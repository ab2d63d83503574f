// The lint rules that enforce the Espruino subset and the layers, run on probe files placed
// in the firmware tree (the type-aware rules need them on disk) and removed afterwards.
import { ESLint } from "eslint";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: root });
const written: string[] = [];
const madeDirs: string[] = [];

afterAll(async () => {
  await Promise.all(written.map((file) => rm(file, { force: true })));
  // Folders the probes needed that the tree did not have yet (a layer not written so far).
  for (const dir of madeDirs.reverse()) await rm(dir, { recursive: true, force: true });
});

async function lint(relative: string, text: string): Promise<string[]> {
  const file = path.join(root, relative);
  written.push(file);
  const made = await mkdir(path.dirname(file), { recursive: true });
  if (made !== undefined) madeDirs.push(made);
  await writeFile(file, text);
  const [result] = await eslint.lintFiles([file]);
  return result.messages.map((m) => `${m.line} ${m.ruleId}: ${m.message}`);
}

describe("lint rules for firmware/", () => {
  it("rejects syntax and built-ins Espruino lacks, Math.pow and loop closures", async () => {
    const messages = await lint(
      "firmware/app/lint-probe-subset.ts",
      [
        "export const m = new Map<string, number>();",
        "export const { a } = { a: 1 };",
        "export const p = Math.pow(2, 3);",
        "export function later(run: (f: () => number) => void): void {",
        "  for (let i = 0; i < 2; i++) run(() => i);",
        "}",
        "export class Fielded { x = 1; }",
      ].join("\n"),
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^1 es-x\/no-map:/),
        expect.stringMatching(/^2 es-x\/no-destructuring:/),
        expect.stringMatching(/^3 no-restricted-properties: .*Math\.pow is inexact/),
        "5 latchkey/no-loop-closure: closure captures 'i', declared in the loop: Espruino shares one binding across iterations; pass it to a helper function instead",
        expect.stringMatching(/^7 no-restricted-syntax: initialise fields in the constructor/),
      ]),
    );
  });

  it("keeps Espruino globals and Node out of app code, and layers pointing one way", async () => {
    const messages = await lint(
      "firmware/app/lint-probe-imports.ts",
      [
        'import { createEspruinoPlatform } from "../hal/espruino/platform";',
        'import fs from "node:fs";',
        'import { BuildError } from "../../build/build";',
        "digitalWrite(1, true);",
        "export { createEspruinoPlatform, fs, BuildError };",
      ].join("\n"),
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        "1 latchkey/firmware-imports: only firmware/main.ts may import hal/espruino/ (the Espruino implementations)",
        expect.stringMatching(/^2 latchkey\/firmware-imports: firmware may not import 'node:fs'/),
        "3 latchkey/firmware-imports: firmware may not import '../../build/build' from outside firmware/",
        expect.stringMatching(/^4 no-restricted-globals: .*only in firmware\/hal\/espruino/),
      ]),
    );
  });

  it("keeps the codec pure and forbids upward imports", async () => {
    const codec = await lint(
      "firmware/mqtt/codec/lint-probe.ts",
      'export { Relay } from "../../app/actuators/relay";\n',
    );
    expect(codec).toContain(
      "1 latchkey/firmware-imports: mqtt/codec/ is pure encode/decode: it imports nothing outside itself",
    );
    const net = await lint("firmware/net/lint-probe-upward.ts", 'export { Relay } from "../app/actuators/relay";\n');
    expect(net).toContain(
      "1 latchkey/firmware-imports: dependencies point app -> mqtt -> net -> hal: net may not import app",
    );
  });

  it("keeps the host-only codec files out of device code, and lets them import each other", async () => {
    const device = await lint(
      "firmware/mqtt/lint-probe-host.ts",
      'export { decodeAny } from "./codec/decode-any";\nexport { explain } from "./codec/explain";\n',
    );
    expect(device).toEqual([
      "1 latchkey/firmware-imports: './codec/decode-any' is host-only (tests and tools): device code may not import it",
      "2 latchkey/firmware-imports: './codec/explain' is host-only (tests and tools): device code may not import it",
    ]);
    const app = await lint("firmware/app/lint-probe-host.ts", 'export { encode } from "../mqtt/codec/encode-any";\n');
    expect(app).toEqual([
      "1 latchkey/firmware-imports: '../mqtt/codec/encode-any' is host-only (tests and tools): device code may not import it",
    ]);
    // decode-any.ts imports checks, explain and reader: host-only files may import each other.
    const [decodeAny] = await eslint.lintFiles([path.join(root, "firmware/mqtt/codec/decode-any.ts")]);
    expect(decodeAny.messages).toEqual([]);
  });

  it("rejects extending Error and class hierarchies three levels deep, across files", async () => {
    await lint("firmware/net/lint-probe-base.ts", "export class A {}\nexport class B extends A {}\n");
    const messages = await lint(
      "firmware/net/lint-probe-classes.ts",
      'import { B } from "./lint-probe-base";\nexport class C extends B {}\nexport class Oops extends Error {}\n',
    );
    expect(messages).toEqual([
      "2 latchkey/max-class-depth: class hierarchy is 3 levels deep: Espruino allows two",
      "3 latchkey/no-extends-error: Espruino cannot extend Error: use new Error(message) with a code property",
    ]);
  });

  it("rejects deleting from an object inside a for..in over it, and nothing else", async () => {
    const messages = await lint(
      "firmware/app/lint-probe-for-in.ts",
      [
        "export function drain(o: { [k: string]: boolean }, p: { [k: string]: boolean }): void {",
        "  for (const k in o) {",
        "    if (o[k]) delete o[k];",
        "    delete p[k];",
        "  }",
        "  for (const k in o) o[k] = false;",
        "}",
      ].join("\n"),
    );
    expect(messages).toEqual([
      "3 latchkey/no-delete-in-for-in: delete from 'o' inside a for..in over it: Espruino ends the loop; mark the entry (e.g. set it false) or collect the keys first",
    ]);
  });
});
