// A build holds only the optional parts its profile uses: what it leaves out is not in the
// bundle, and a device running it refuses a profile that needs them, naming the part.
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildFirmware, featuresOf } from "../../build/build.ts";
import { PROFILE_FILE } from "../../firmware/app/profile/profile.ts";
import { loadConfig } from "../../scripts/lib/config.ts";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { testProfile } from "../support/profile.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("feature builds", () => {
  it("leaves out what the profile does not use, and the device says so if the profile needs it", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "latchkey-features-"));
    const plain = featuresOf(testProfile());
    expect(plain).toEqual({ inputs: false, cover: false, telemetry: false, relays: false });
    const small = await buildFirmware({
      root,
      outFile: path.join(out, "plain.js"),
      version: "1",
      sizeBudgetBytes: 1e6,
      features: plain,
    });
    // The whole firmware, every feature in, within the project's size budget (30 KB).
    const budget = loadConfig(path.join(root, "espruino.config.json")).build.sizeBudgetBytes;
    expect(budget).toBeLessThanOrEqual(30000);
    const full = await buildFirmware({
      root,
      outFile: path.join(out, "full.js"),
      version: "1",
      sizeBudgetBytes: budget,
    });
    const code = await readFile(small.outFile, "latin1");
    expect(code).not.toContain("travel timeout");
    expect(code).not.toContain("DS18B20");
    expect(await readFile(full.outFile, "latin1")).toContain("travel timeout");
    expect(full.bytes - small.bytes).toBeGreaterThan(5000);

    const device = new SimulatedDevice({
      storageDir: await mkdtemp(path.join(os.tmpdir(), "lk-")),
      wifi: { ssid: "s", password: "p" },
    });
    device.storage.write(".bootcde", code);
    device.storage.write(
      PROFILE_FILE,
      JSON.stringify(
        testProfile({
          inputs: { door: { pull: "up", debounceMs: 50 } },
          cover: { relay: "relay", closed: "door", travelMs: 20000 },
        }),
      ),
    );
    device.boot();
    expect(device.lines.join("\n")).toMatch(
      /unusable \('inputs' is not in this build \(build the firmware for this profile\)\)/,
    );
    expect(device.pins.history.filter((e) => e.kind === "drive")).toEqual([]);
  }, 120_000);
});
