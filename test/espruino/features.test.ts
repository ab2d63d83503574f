// On Espruino's own interpreter (ESPRUINO set): the cover, interlock and telemetry code of the
// firmware under fake time (scripts/bench/espruino-features.ts), with the interpreter's
// variable count after a minute and after an hour of telemetry samples.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildFirmware } from "../../build/build.ts";
import { ESPRUINO, espruinoMissing } from "../support/espruino.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe.skipIf(espruinoMissing())("features on Espruino's interpreter", () => {
  it("runs a garage cycle, an interlock burst and an hour of telemetry without growing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-features-"));
    const built = await buildFirmware({
      root,
      entry: "scripts/bench/espruino-features.ts",
      outFile: path.join(dir, "features.js"),
      version: "0",
      sizeBudgetBytes: 1 << 20,
    });
    const { stdout } = await promisify(execFile)(ESPRUINO!, [built.outFile], { cwd: dir, timeout: 120_000 });
    expect(stdout).not.toMatch(/Uncaught|ERROR/);
    const figures: Record<string, unknown> = {};
    for (const line of stdout.split("\n").filter((l) => l.includes("FEATURES "))) {
      const { name, value } = JSON.parse(line.slice(line.indexOf("FEATURES ") + 9)) as { name: string; value: unknown };
      figures[name] = value;
    }
    console.log(figures);
    expect(figures["cover states"]).toEqual([
      "closed",
      "opening",
      "open",
      "closing",
      "stopped: travel timeout: the closed switch was not reached in 20000 ms",
      "unknown: both end switches active: check the reed switches",
    ]);
    expect(figures["interlock: times both on in 1,000 commands"]).toBe(0);
    expect(figures["telemetry reports in an hour"]).toBeGreaterThan(3000);
    const [minute, hour] = figures["variables after one minute / one hour"] as number[];
    expect(hour - minute).toBeLessThanOrEqual(10);
  }, 180_000);
});
