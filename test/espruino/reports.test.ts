// Reports on Espruino's own interpreter: every report of a burst made while the link was down
// goes out at the CONNACK. Node's V8 keeps a for..in going after `delete` of the current key;
// Espruino ends it (docs/espruino.md), which once sent one report per flush.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { buildFirmware } from "../../build/build.ts";
import { ESPRUINO, espruinoMissing } from "../support/espruino.ts";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe.skipIf(espruinoMissing())("reports on Espruino's interpreter", () => {
  it("sends every report of a burst at the CONNACK", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-reports-"));
    dirs.push(dir);
    const built = await buildFirmware({
      root: path.resolve(import.meta.dirname, "../.."),
      entry: "test/espruino/reports-entry.ts",
      outFile: path.join(dir, "reports.js"),
      version: "0.0.0-test",
      sizeBudgetBytes: 1 << 20,
    });
    const run = promisify(execFile)(ESPRUINO!, [built.outFile], { cwd: dir, timeout: 60_000 });
    run.child.stdin?.end();
    const { stdout } = await run;
    expect(stdout).toContain("DONE");
    const sent = stdout
      .split("\n")
      .filter((l) => l.includes("SENT "))
      .map((l) => l.slice(l.indexOf("SENT ") + 5).trim());
    expect(sent.sort()).toEqual(
      ["cover/state", "input/door/state", "maintenance/state", "relay/state", "telemetry"].sort(),
    );
  }, 120_000);
});
