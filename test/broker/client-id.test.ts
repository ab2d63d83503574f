// Taking over another identity's MQTT client id ([MQTT-3.1.4-2]: the broker closes the
// existing connection with that id) must not let one certificate holder kick another off: on
// Mosquitto and on the embedded broker, every client id is the certificate's CN. The
// simulated device runs the built bundle; a second board (any authenticated identity) and an
// operator try the device's and the hub's ids.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";

const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker", embedded: true, skip: false },
];

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`client ids on the ${name}`, () => {
    const world = projectWorld(
      [
        ["device", "door-1"],
        ["device", "door-2"],
        ["hub", "hub"],
        ["user", "mallory"],
      ],
      embedded,
    );
    const devices: SimulatedDevice[] = [];
    const clients: mqtt.MqttClient[] = [];
    cleanUpAfterEach(devices, clients);

    it("another identity connecting with the device's or the hub's client id kicks neither off", async () => {
      const { pki, broker } = world;
      const device = await bootDevice(pki.stateDir, e2eProfile(broker.port));
      devices.push(device);
      await device.waitFor(/MQTT connected/, 15000);
      const hub = await connectTls(broker.port, pki.credentials("hub", "hub"), "hub");
      clients.push(hub);
      let hubClosed = false;
      hub.on("close", () => (hubClosed = true));
      // A stolen second board and an operator take the ids of the device and of the hub.
      for (const [kind, who, id] of [
        ["device", "door-2", "door-1"],
        ["user", "mallory", "door-1"],
        ["user", "mallory", "hub"],
        ["device", "door-2", "hub"],
      ] as const) {
        const intruder = await connectTls(broker.port, pki.credentials(kind, who), id);
        clients.push(intruder);
        // A round trip through the broker: the takeover, if any, has happened by now.
        await intruder.publishAsync(`latchkey/door-1/nonce/get`, "", { qos: 1 }).catch(() => undefined);
        intruder.end(true);
      }
      expect(hubClosed).toBe(false);
      expect(device.lines.filter((l) => /MQTT down/.test(l))).toEqual([]);
      // Both still work: the hub's signed command reaches the relay.
      expect(await signer(hub, pki.stateDir, "latchkey", "door-1").send("ON")).toEqual({
        accepted: true,
        detail: "relay ON",
      });
      expect(hubClosed).toBe(false);
    }, 60000);
  });
}
