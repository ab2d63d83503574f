// A stolen board, end to end (the simulated device running the built bundle on Mosquitto,
// the hub beside it): the thief reads the command key out of the board's flash. Revoking the
// board and renewing its identity must leave that key worthless: the replacement board gets
// a new key, and the hub and the host tools refuse the revoked device's key.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { startHub } from "../../scripts/hub/hub.ts";
import { readCommandKey, signCommand } from "../../scripts/lib/signing.ts";
import { renew } from "../../scripts/ca/commands.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls } from "../support/pki.ts";
import { signer, verifiedResults } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const RELAY = "D23";

describe.skipIf(mosquittoMissing())("a stolen board's command key (Mosquitto)", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
    ["hub", "tools"],
  ]);
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  cleanUpAfterEach(devices, clients);

  /** Signs `cmd` with `key` against the device's live nonce, as a thief with broker access would. */
  const sendWith = async (client: mqtt.MqttClient, key: Buffer, cmd: string) => {
    const nonce = new Promise<string>((resolve) =>
      client.on("message", (topic, payload) => topic === `${T}/nonce` && resolve(payload.toString())),
    );
    await client.subscribeAsync(`${T}/nonce`, { qos: 1 });
    await client.publishAsync(`${T}/nonce/get`, "", { qos: 1 });
    await client.publishAsync(`${T}/relay/set`, signCommand(key, `${T}/relay/set`, await nonce, cmd), { qos: 1 });
  };

  it("revoke and renew rotate the key: the replacement refuses the stolen key, the hub and tools refuse the revoked one", async () => {
    const { pki, broker } = world;
    const profile = e2eProfile(broker.port);
    const stolen = await bootDevice(pki.stateDir, profile);
    devices.push(stolen);
    await stolen.waitFor(/MQTT connected/, 15000);
    // What the thief reads from the board's flash.
    const thiefKey = Buffer.from(stolen.storage.read("lk.cmdkey")!, "latin1");
    stolen.powerOff();
    const hub = await startHub({
      stateDir: pki.stateDir,
      profiles: [profile],
      broker: { host: "127.0.0.1", port: broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    try {
      await hub.ready;
      expect(hub.states.key("door-1").equals(thiefKey)).toBe(true);
      await pki.revoke("door-1");
      // The revoked device's key: refused by the tools and by the running hub.
      const refused = "device 'door-1' has no active certificate (revoked): its command key is not used";
      expect(() => readCommandKey(pki.stateDir, "door-1")).toThrow(refused);
      expect(() => hub.states.key("door-1")).toThrow(refused);
      // The replacement board: a renewed identity, provisioned with the new key.
      await renew(pki.ctx, "door-1");
      const newKey = readCommandKey(pki.stateDir, "door-1");
      expect(newKey.equals(thiefKey)).toBe(false);
      expect(hub.states.key("door-1").equals(newKey)).toBe(true);
      const replacement = await bootDevice(pki.stateDir, profile);
      devices.push(replacement);
      await replacement.waitFor(/MQTT connected/, 15000);
      // The owner's tools: their own identity, beside the running hub (one connection each).
      const client = await connectTls(broker.port, pki.credentials("hub", "tools"));
      clients.push(client);
      const results = await verifiedResults(client, newKey, `${T}/relay/set`);
      await sendWith(client, thiefKey, "ON");
      await until("the replacement's answer to the stolen key", () => results.length > 0);
      expect(results).toEqual(["refused bad signature"]);
      expect(replacement.pins.level(RELAY)).toBe(false);
      // The owner's commands work with the new key.
      expect(await signer(client, pki.stateDir, "latchkey", "door-1").send("ON")).toEqual({
        accepted: true,
        detail: "relay ON",
      });
      expect(replacement.pins.level(RELAY)).toBe(true);
    } finally {
      await hub.stop();
    }
  }, 90000);
});
