// Fuzzed command payloads through the real Mosquitto (the embedded broker where it is missing)
// to the built bundle on the simulated ESP32: random bytes, huge, wrong JSON types, truncated
// and altered MACs (test/support/command-fuzz.ts). The relay never moves, the device never
// crashes or resets, and a genuine signed command still works afterwards.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signCommand } from "../../scripts/lib/signing.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { fuzzPayloads } from "../support/command-fuzz.ts";
import { collect, connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const RELAY = "D23";

describe("fuzzed command payloads", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let device: SimulatedDevice | undefined;
  let h: mqtt.MqttClient | undefined;
  printLogOnFailure(() => [broker]);
  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    broker = await startProjectBroker(pki.stateDir, "latchkey", mosquittoMissing());
  });
  afterAll(async () => {
    if (device && process.exitCode) console.error(device.lines.join("\n"));
    device?.powerOff();
    h?.end(true);
    await broker?.stop();
  });

  it("never move the relay or crash the device", async () => {
    device = await bootDevice(pki.stateDir, e2eProfile(broker!.port));
    await device.waitFor(/MQTT connected/);
    h = await connectTls(broker!.port, pki.credentials("hub", "hub"));
    const cmd = signer(h, pki.stateDir, "latchkey", "door-1");
    const nonces = await collect(h, `${T}/nonce`);
    await h.publishAsync(`${T}/nonce/get`, "", { qos: 1 });
    await until("a nonce", () => nonces.length > 0);
    const live = nonces.at(-1)!.split(" ")[1];
    const payloads = fuzzPayloads(7, 300, live, signCommand(cmd.key, `${T}/relay/set`, live, "ON"));
    const refusedBefore = device.lines.filter((l) => /command refused: /.test(l)).length;
    for (const [i, payload] of payloads.entries())
      await h.publishAsync(i % 5 === 4 ? `${T}/maintenance/set` : `${T}/relay/set`, Buffer.from(payload, "latin1"), {
        qos: 1,
      });
    await until(
      "a refusal for every payload",
      () => device!.lines.filter((l) => /command refused: /.test(l)).length - refusedBefore === payloads.length,
      20000,
    );
    // Bigger than the device's maxPacketBytes: the session drops the link, and comes back.
    await h.publishAsync(`${T}/relay/set`, Buffer.alloc(10000, 0x7b), { qos: 1 });
    await device.waitFor(/MQTT down: /);
    await until("the reconnect", () => device!.lines.filter((l) => /MQTT connected/.test(l)).length >= 2, 15000);

    const drives = device.pins.history.filter((e) => e.pin === RELAY && e.kind === "drive");
    expect(drives.map((e) => e.high)).toEqual([false]);
    expect(device.lines.filter((l) => /^Uncaught|ERROR/.test(l))).toEqual([]);
    expect([device.reboots, device.watchdogResets]).toEqual([0, 0]);
    expect(device.consoles.telnetMode).toBe("off");
    expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
    expect(device.pins.level(RELAY)).toBe(true);
  }, 60000);
});
