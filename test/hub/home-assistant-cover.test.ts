// A garage door in Home Assistant through the hub: the simulated device runs the built bundle
// with a cover on two reed switches (Mosquitto, certificates made now). Home Assistant's
// client sees the cover and its end switches, presses OPEN on the hub's topic, and the relay
// pulses: the hub signed the command; the audit says it was Home Assistant.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

describe.skipIf(mosquittoMissing())("a garage door in Home Assistant through the hub", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let ha: mqtt.MqttClient | undefined;
  const seen = new Map<string, string>();
  printLogOnFailure(() => [broker]);

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    await pki.issue("ha", "ha");
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    const garage: DeviceProfile = e2eProfile(broker.port, {
      pins: {
        relay: { pin: "D23", activeLow: false },
        closed: { pin: "D27", activeLow: true },
        open: { pin: "D26", activeLow: true },
      },
      relay: relayBehaviour({ mode: "pulse", pulseMs: 300, lockoutMs: 300 }),
      inputs: { closed: { pull: "up", debounceMs: 50 }, open: { pull: "up", debounceMs: 50 } },
      cover: { relay: "relay", closed: "closed", open: "open", travelMs: 5000 },
    });
    device = await bootDevice(pki.stateDir, garage);
    // The door is shut: the closed reed pulls its pin low.
    device.pins.drive("D27", false);
    device.pins.drive("D26", true);
    hub = await startHub({
      stateDir: pki.stateDir,
      profiles: [garage],
      broker: { host: "127.0.0.1", port: broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    await hub.ready;
    ha = await connectTls(broker.port, pki.credentials("ha", "ha"), "home-assistant");
    ha.on("message", (topic, payload) => seen.set(topic, payload.toString()));
    await ha.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
  });
  afterAll(async () => {
    ha?.end(true);
    device?.powerOff();
    await hub?.stop();
    await broker?.stop();
  });

  it("offers the cover and its end switches, not the cover's relay as a switch", async () => {
    await until("the cover's discovery", () => seen.has("homeassistant/cover/latchkey_door-1/cover/config"));
    expect(JSON.parse(seen.get("homeassistant/cover/latchkey_door-1/cover/config")!)).toMatchObject({
      device_class: "garage",
      command_topic: "latchkey-ha/door-1/cover/set",
      state_topic: "latchkey-ha/door-1/cover/state",
    });
    expect(seen.has("homeassistant/binary_sensor/latchkey_door-1/input_closed/config")).toBe(true);
    expect(seen.has("homeassistant/switch/latchkey_door-1/relay/config")).toBe(false);
    await until("the verified cover state", () => seen.get("latchkey-ha/door-1/cover/state") === "closed", 15000);
    await until("the closed switch", () => seen.get("latchkey-ha/door-1/input_closed/state") === "ON");
    expect(seen.get("latchkey-ha/door-1/input_open/state")).toBe("OFF");
  });

  it("opens the door when Home Assistant says OPEN: one press of the relay, signed by the hub", async () => {
    const presses = () => device!.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive" && e.high).length;
    const before = presses();
    await ha!.publishAsync("latchkey-ha/door-1/cover/set", "OPEN", { qos: 1 });
    await until("the press", () => presses() === before + 1, 10000);
    await until("Home Assistant to see it opening", () => seen.get("latchkey-ha/door-1/cover/state") === "opening");
    await until("the audit", () => hub!.audit.recent(1)[0]?.phase === "result");
    expect(hub!.audit.recent(2).map((r) => [r.phase, r.who, r.via, r.entity, r.cmd, r.accepted])).toEqual([
      ["result", "ha", "home-assistant", "cover", "OPEN", true],
      ["sent", "ha", "home-assistant", "cover", "OPEN", undefined],
    ]);
    expect(hub!.audit.recent(1)[0]!.detail).toBe("closed -> opening");
  });
});
