// Espruino refuses a TLS connect within about a second of the last close (docs/espruino.md,
// TLS; the simulator throws its "Not enough memory" for one). With the default backoff the
// device's first retry after losing the broker used to be drawn from [0, 1 s), so it nearly
// always failed that way, and a fleet's reconnects bunched up a second later. Now the first
// retry waits out that window (firmware/net/backoff.ts).
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";

describe.skipIf(mosquittoMissing())("a device that loses the broker, with the default backoff", () => {
  const devices: SimulatedDevice[] = [];
  const world = projectWorld([["device", "door-1"]]);
  cleanUpAfterEach(devices, []);

  it("retries after Espruino's TLS refusal window, never inside it", async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port, { backoff: undefined }));
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const from = device.lines.length;
    await world.broker.stop();
    // The first retry is in [1 s, 2 s); the log prints tenths, so 1.95 s and up read "2.0".
    await device.waitFor(/MQTT down: .*retry in (1\.\d|2\.0) s/, 10000, from);
    await world.broker.start();
    await device.waitFor(/MQTT connected/, 30000, from);
    expect(device.lines.slice(from).filter((l) => /Not enough memory/.test(l))).toEqual([]);
  });
});
