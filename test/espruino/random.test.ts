// Nonces on a board with no known RNG register, on Espruino's own interpreter (its Linux build
// is such a board): booted five times, the nonces never repeat, use every hex digit about
// equally often, and come from a pool seeded by hundreds of timing samples (not a 16-bit or
// 32-bit seed of Espruino's fixed-seed generator, which once gave only the digits 0-8).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { buildFirmware } from "../../build/build.ts";
import { ESPRUINO, espruinoMissing } from "../support/espruino.ts";

const BOOTS = 5;
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe.skipIf(espruinoMissing())("nonces on a board without a known RNG register", () => {
  it("are unpredictable: no repeats across boots, every hex digit, seeded from many timing samples", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-random-"));
    dirs.push(dir);
    const built = await buildFirmware({
      root: path.resolve(import.meta.dirname, "../.."),
      entry: "test/espruino/entries/random.ts",
      outFile: path.join(dir, "random.js"),
      version: "0.0.0-test",
      sizeBudgetBytes: 1 << 20,
    });
    const boots: { board: string; samples: number; nonces: string[] }[] = [];
    for (let i = 0; i < BOOTS; i++) {
      const run = promisify(execFile)(ESPRUINO!, [built.outFile], { cwd: dir, timeout: 60_000 });
      run.child.stdin?.end();
      const lines = (await run).stdout.split("\n");
      const field = (name: string) =>
        lines.filter((l) => l.includes(name + " ")).map((l) => l.slice(l.indexOf(name + " ") + name.length + 1).trim());
      boots.push({ board: field("BOARD")[0], samples: Number(field("SAMPLES")[0]), nonces: field("NONCE") });
    }
    for (const boot of boots) {
      expect(boot.board).toMatch(/ 0$/);
      expect(boot.nonces).toHaveLength(64);
      boot.nonces.forEach((n) => expect(n).toMatch(/^[0-9a-f]{16}$/));
      expect(new Set(boot.nonces.join("")).size).toBe(16);
      expect(boot.samples).toBeGreaterThanOrEqual(256);
    }
    const all = boots.flatMap((b) => b.nonces);
    expect(new Set(all).size).toBe(all.length);
    // 5,120 digits: each expected 320 times (standard deviation about 17).
    const counts = [...all.join("")].reduce<Record<string, number>>((c, d) => ({ ...c, [d]: (c[d] ?? 0) + 1 }), {});
    for (const digit of "0123456789abcdef") expect(counts[digit], digit).toBeGreaterThan(240);
    for (const digit of "0123456789abcdef") expect(counts[digit], digit).toBeLessThan(400);
  }, 120_000);

  it("refuses with a clear error, instead of waiting for ever, on a board whose clock never moves", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-random-"));
    dirs.push(dir);
    const built = await buildFirmware({
      root: path.resolve(import.meta.dirname, "../.."),
      entry: "test/espruino/entries/static-clock.ts",
      outFile: path.join(dir, "static-clock.js"),
      version: "0.0.0-test",
      sizeBudgetBytes: 1 << 20,
    });
    const run = promisify(execFile)(ESPRUINO!, [built.outFile], { cwd: dir, timeout: 30_000 });
    run.child.stdin?.end();
    const lines = (await run).stdout.split("\n");
    expect(lines.filter((l) => l.includes("DRAW "))).toEqual([]);
    expect(lines.find((l) => l.includes("REFUSED "))?.trim()).toBe("REFUSED no entropy: the clock is stuck");
  }, 60_000);
});
