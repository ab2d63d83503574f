import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildError, buildFirmware } from "../../build/build.ts";
import { checkEspruinoCompatibility } from "../../build/espruino-check.ts";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
let out: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "latchkey-build-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("firmware build", () => {
  it("emits one wrapped, checked bundle for firmware/main.ts", async () => {
    const outFile = path.join(out, "latchkey.js");
    const result = await buildFirmware({ root, outFile, version: "9.9.9", sizeBudgetBytes: 100_000 });
    const code = await readFile(outFile, "latin1");
    expect(result.bytes).toBe(code.length);
    expect(checkEspruinoCompatibility(code)).toEqual([]);
    expect(code).toContain("Latchkey 9.9.9 booting");
    // Wrapped: nothing at the top level but one function expression being called.
    // Its one parameter is `undefined` (called with no argument), which terser uses for void 0.
    expect(code).toMatch(/^!function\(\w*\)\{/);
    expect(code.trimEnd()).toMatch(/\}\(\);?$/);
    expect(code).not.toContain("sourceMappingURL");
  });

  it("keeps Espruino's built-in modules as require() calls", async () => {
    const outFile = path.join(out, "modules.js");
    await buildFirmware({ root, outFile, version: "1", sizeBudgetBytes: 100_000 });
    expect(await readFile(outFile, "latin1")).toContain('require("Storage")');
  });

  it("fails naming the TypeScript file and line of destructuring", async () => {
    const attempt = buildFirmware({
      root,
      entry: "test/fixtures/build/destructuring.ts",
      outFile: path.join(out, "bad.js"),
      version: "1",
      sizeBudgetBytes: 100_000,
    });
    await expect(attempt).rejects.toThrow(BuildError);
    await expect(attempt).rejects.toThrow(
      /destructuring \(object pattern\) at .*bad\.js:\d+:\d+ \(from test\/fixtures\/build\/destructuring\.ts:3:7\)/,
    );
  });

  it("fails above the size budget", async () => {
    const attempt = buildFirmware({ root, outFile: path.join(out, "big.js"), version: "1", sizeBudgetBytes: 1000 });
    await expect(attempt).rejects.toThrow(/bytes, over the size budget of 1000 bytes/);
  });

  it("accepts a clean entry", async () => {
    const result = await buildFirmware({
      root,
      entry: "test/fixtures/build/clean.ts",
      outFile: path.join(out, "clean.js"),
      version: "1",
      sizeBudgetBytes: 100_000,
    });
    expect(result.findings).toEqual([]);
  });

  it("npm run build exits non-zero and prints the finding for a bad entry", async () => {
    const attempt = run(
      "npx",
      ["tsx", "build/cli.ts", "--entry", "test/fixtures/build/destructuring.ts", "--out", path.join(out, "cli.js")],
      { cwd: root },
    );
    await expect(attempt).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("from test/fixtures/build/destructuring.ts:3:7"),
    });
  });
});
