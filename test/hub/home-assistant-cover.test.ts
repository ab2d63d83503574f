// A garage door in Home Assistant through the hub's own endpoint: the simulated device runs the
// built bundle with a cover on two reed switches (Mosquitto, certificates made now). The owner
// lets Home Assistant CLOSE and STOP but not OPEN. Home Assistant's client sees the cover and
// its end switches; its OPEN is refused and audited, nothing pressed; its CLOSE presses the
// relay once, signed by the hub. A door stopped mid-close is shown open, never closed (Home
// Assistant's own `state_stopped` would turn it into closed), with the device's word and any
// fault as attributes; closed is shown only once the closed switch says so.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";
import { DEFAULT_FRESHNESS } from "../../scripts/hub/freshness.ts";

const PULSE_MS = 100;
const LOCKOUT_MS = 150;

describe.skipIf(mosquittoMissing())("a garage door in Home Assistant through the hub", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let ha: mqtt.MqttClient | undefined;
  const seen = new Map<string, string>();
  printLogOnFailure(() => [broker]);
  const presses = () => device!.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive" && e.high).length;
  const results = () => hub!.audit.recent(50).filter((r) => r.phase === "result");
  /** Waits out the relay's lockout after the last press, so the next press is not refused. */
  // The device's lockout is one timer of pulseMs + lockoutMs, set when the press began (before
  // this is called); the simulated device runs in this process, so a wait due later than that
  // timer ends after it, however loaded the machine (a wait of the lockout alone did not).
  const afterLockout = async () => {
    const last = Date.now();
    await until("the lockout", () => Date.now() > last + PULSE_MS + LOCKOUT_MS + 50);
  };

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
      relay: relayBehaviour({ mode: "pulse", pulseMs: PULSE_MS, lockoutMs: LOCKOUT_MS }),
      inputs: { closed: { pull: "up", debounceMs: 50 }, open: { pull: "up", debounceMs: 50 } },
      cover: { relay: "relay", closed: "closed", open: "open", travelMs: 60000 },
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
      homeAssistant: { host: "127.0.0.1", port: 0, allow: { "door-1": { cover: ["CLOSE", "STOP"] } }, settleMs: 0 },
      version: "0.0.0-test",
    });
    await hub.ready;
    ha = await connectTls(hub.homeAssistant!.port, pki.credentials("ha", "ha"), "home-assistant");
    ha.on("message", (topic, payload) => seen.set(topic, payload.toString()));
    await ha.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
  }, 60000);
  afterAll(async () => {
    ha?.end(true);
    device?.powerOff();
    await hub?.stop();
    await broker?.stop();
  });

  it("offers the cover with only the commands the owner allowed, and its end switches", async () => {
    await until(
      "the cover's discovery and its end switches'",
      () =>
        seen.has("homeassistant/cover/latchkey_door-1/cover/config") &&
        seen.has("homeassistant/binary_sensor/latchkey_door-1/input_closed/config"),
    );
    const config = JSON.parse(seen.get("homeassistant/cover/latchkey_door-1/cover/config")!) as Record<string, unknown>;
    expect(config).toMatchObject({
      device_class: "garage",
      command_topic: "latchkey-ha/door-1/cover/set",
      state_topic: "latchkey-ha/door-1/cover/state",
      json_attributes_topic: "latchkey-ha/door-1/cover_attributes/state",
      payload_open: null,
      payload_close: "CLOSE",
      payload_stop: "STOP",
    });
    expect(config).not.toHaveProperty("state_stopped");
    expect(seen.has("homeassistant/switch/latchkey_door-1/relay/config")).toBe(false);
    // Home Assistant gets the state once the device answers the hub's challenge; one sent before
    // the device subscribed is given up and asked again after answerMs: allow two rounds.
    await until(
      "the verified cover state",
      () => seen.get("latchkey-ha/door-1/cover/state") === "closed",
      2 * DEFAULT_FRESHNESS.answerMs + 10000,
    );
    await until("the closed switch", () => seen.get("latchkey-ha/door-1/input_closed/state") === "ON");
    await until("the open switch", () => seen.get("latchkey-ha/door-1/input_open/state") === "OFF");
  });

  it("refuses OPEN from Home Assistant, audited, and presses nothing", async () => {
    const before = presses();
    await ha!.publishAsync("latchkey-ha/door-1/cover/set", "OPEN", { qos: 1 });
    await until("the refusal", () => hub!.audit.recent(1)[0]?.cmd === "OPEN");
    expect(hub!.audit.recent(1)[0]).toMatchObject({
      phase: "denied",
      who: "ha",
      via: "home-assistant",
      entity: "cover",
      accepted: false,
      detail: "Home Assistant may not send OPEN to door-1/cover (home-assistant.json)",
    });
    expect(presses()).toBe(before);
  });

  it("shows a door stopped mid-close as open, never closed; closed only from the closed switch", async () => {
    // The owner opens the door from the page; it leaves the closed switch and is stopped.
    await hub!.commander.command({ who: "alice", via: "web", device: "door-1", entity: "cover", cmd: "OPEN" });
    device!.pins.drive("D27", true);
    await until("opening", () => seen.get("latchkey-ha/door-1/cover/state") === "opening");
    await afterLockout();
    // Home Assistant closes it (one press, signed by the hub), then stops it mid-close.
    let before = presses();
    await ha!.publishAsync("latchkey-ha/door-1/cover/set", "STOP", { qos: 1 });
    await until("the stop", () => results().length >= 2);
    expect(results()[0]).toMatchObject({ who: "ha", cmd: "STOP", accepted: true });
    expect(presses()).toBe(before + 1);
    await until("stopped shown as open", () => seen.get("latchkey-ha/door-1/cover/state") === "open");
    await afterLockout();
    before = presses();
    await ha!.publishAsync("latchkey-ha/door-1/cover/set", "CLOSE", { qos: 1 });
    await until("closing", () => seen.get("latchkey-ha/door-1/cover/state") === "closing");
    expect(presses()).toBe(before + 1);
    expect(results()[0]).toMatchObject({ who: "ha", via: "home-assistant", cmd: "CLOSE", accepted: true });
    await afterLockout();
    await ha!.publishAsync("latchkey-ha/door-1/cover/set", "STOP", { qos: 1 });
    await until("the device's stopped", () => hub!.states.view("door-1")!.values.cover?.value === "stopped");
    await until("stopped mid-close shown as open", () => seen.get("latchkey-ha/door-1/cover/state") === "open");
    await until("the device's word as an attribute", () =>
      /"reported":"stopped"/.test(seen.get("latchkey-ha/door-1/cover_attributes/state") ?? ""),
    );
    expect(JSON.parse(seen.get("latchkey-ha/door-1/cover_attributes/state")!)).toEqual({
      reported: "stopped",
      fault: null,
    });
    // The door is pushed shut by hand: the closed switch, and only it, makes it closed.
    device!.pins.drive("D27", false);
    await until("closed", () => seen.get("latchkey-ha/door-1/cover/state") === "closed");
    expect(seen.get("latchkey-ha/door-1/input_closed/state")).toBe("ON");
  });
});
