// The hub's stop() ends whatever the broker does: its goodbye (the availability "offline" it
// publishes at QoS 1 before disconnecting) is waited for only briefly. A broker that stops
// answering at that moment (frozen here; Mosquitto ending on the same Ctrl-C in a terminal)
// left `npm start -- --hub` waiting for a PUBACK that never came, deaf to further signals.
import { afterAll, describe, expect, it } from "vitest";
import { startHub } from "../../scripts/hub/hub.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { e2eProfile, projectWorld } from "../support/sim.ts";

describe.skipIf(mosquittoMissing())("the hub's stop", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);
  afterAll(() => world.broker?.thaw());

  it("ends within seconds when the broker stops answering", async () => {
    const hub = await startHub({
      stateDir: world.pki.stateDir,
      profiles: [e2eProfile(world.broker.port)],
      broker: { host: "127.0.0.1", port: world.broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    await hub.ready;
    world.broker.freeze();
    try {
      // 10 s is far beyond the hub's own bound, and far below "never" (the bug).
      const outcome = await Promise.race([
        hub.stop().then(() => "stopped"),
        new Promise((resolve) => setTimeout(() => resolve("still stopping after 10 s"), 10000)),
      ]);
      expect(outcome).toBe("stopped");
    } finally {
      world.broker.thaw();
    }
  }, 30000);
});
