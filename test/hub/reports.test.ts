// What the hub believes: on a real Mosquitto, a client with a device's own certificate (what a
// compromised broker or a stolen device certificate could say) publishes forged, unsigned,
// replayed and genuine reports; only the genuine ones become the state the page and Home
// Assistant see, and only once the device answered the hub's challenge (this client answers
// as the device would, signing a snapshot). Unsigned telemetry is shown marked "unsigned",
// with its history for the chart.
import os from "node:os";
import path from "node:path";
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { HISTORY_POINTS } from "../../scripts/hub/device-view.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { macHex, readCommandKey } from "../../scripts/lib/signing.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { chromiumMissing, openBrowser, type Browser } from "../support/chromium.ts";
import { e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const STATE = "latchkey/pump-1/relay/state";
const BOOT = "0123456789abcdef";

describe.skipIf(mosquittoMissing())("reports the hub follows", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let device: mqtt.MqttClient;
  let ha: mqtt.MqttClient;
  const mirrored: string[] = [];
  let browser: Browser | undefined;
  printLogOnFailure(() => [broker]);

  const signed = (key: Buffer, topic: string, seq: number, v: string) =>
    JSON.stringify({ v, boot: BOOT, seq, mac: macHex(key, `latchkey/1 report\n${topic}\n${BOOT}\n${seq}\n${v}`) });
  const slot = (id: string) => hub!.states.view("pump-1")!.values[id]!;
  /** What the device holds now, signed into its answer to the hub's challenge. */
  const current: Record<string, string> = {};
  let seq = 0;
  const answerChallenges = (key: Buffer) => {
    device.on("message", (topic, challenge) => {
      if (topic !== "latchkey/pump-1/state/get") return;
      const body = JSON.stringify({ c: challenge.toString(), r: current });
      void device.publishAsync("latchkey/pump-1/state", signed(key, "latchkey/pump-1/state", ++seq, body), { qos: 0 });
    });
    return device.subscribeAsync("latchkey/pump-1/state/get", { qos: 1 });
  };
  const publish = async (topic: string, payload: string) => {
    await device.publishAsync(topic, payload, { qos: 1, retain: true });
  };

  beforeAll(async () => {
    pki = await makeTestPki();
    await pki.issue("device", "pump-1");
    await pki.issue("hub", "hub");
    await pki.issue("ha", "ha");
    await pki.issue("user", "alice", { password: "pw" });
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    const pump = {
      ...e2eProfile(broker.port, { id: "pump-1" }),
      telemetry: { periodMs: 60000, minIntervalMs: 1000 },
    } as DeviceProfile;
    hub = await startHub({
      stateDir: pki.stateDir,
      profiles: [pump],
      broker: { host: "127.0.0.1", port: broker.port },
      web: { host: "127.0.0.1", port: 0 },
      homeAssistant: { host: "127.0.0.1", port: 0, allow: {} },
      version: "0.0.0-test",
    });
    await hub.ready;
    device = await connectTls(broker.port, pki.credentials("device", "pump-1"), "pump-1");
    ha = await connectTls(hub.homeAssistant!.port, pki.credentials("ha", "ha"), "ha");
    ha.on("message", (_topic, payload) => mirrored.push(payload.toString()));
    await ha.subscribeAsync("latchkey-ha/pump-1/relay/state", { qos: 1 });
  });
  afterAll(async () => {
    await browser?.close();
    device?.end(true);
    ha?.end(true);
    await hub?.stop();
    await broker?.stop();
  });

  it("shows a forged or unsigned state as unverified, never as the state", async () => {
    const wrongKey = Buffer.alloc(32, 7);
    await publish(STATE, signed(wrongKey, STATE, 1, "ON"));
    await until("the forged report", () => slot("relay").unverified !== undefined);
    expect(slot("relay").unverified).toMatch(/bad signature/);
    expect(slot("relay").value).toBeUndefined();
    await publish(STATE, "ON");
    await until("the unsigned report", () => /not a signed report/.test(slot("relay").unverified ?? ""));
    expect(slot("relay").value).toBeUndefined();
    // A genuine report signed for another topic does not pass either.
    const key = readCommandKey(pki.stateDir, "pump-1");
    await publish(STATE, signed(key, "latchkey/pump-1/maintenance/state", 1, "ON"));
    await until("the misdirected report", () => /bad signature/.test(slot("relay").unverified ?? ""));
    expect(slot("relay").value).toBeUndefined();
    expect(slot("relay").lastKnown).toBeUndefined();
    // Home Assistant is told the state is unknown, never a value.
    expect(mirrored.every((m) => m === "None")).toBe(true);
  });

  it("takes a genuine report as last known, current once the device answers, refuses a replay", async () => {
    const key = readCommandKey(pki.stateDir, "pump-1");
    await publish(STATE, signed(key, STATE, 5, "ON"));
    seq = 5;
    await until("the genuine report", () => slot("relay").lastKnown?.value === "ON");
    expect(slot("relay").unverified).toBeUndefined();
    expect(slot("relay").value).toBeUndefined();
    // The device comes online: the hub asks, the device answers with what it holds.
    current[STATE] = "ON";
    await answerChallenges(key);
    await device.publishAsync("latchkey/pump-1/availability", "online", { qos: 1, retain: true });
    await until("the answer", () => slot("relay").value === "ON");
    expect(slot("relay").lastKnown).toBeUndefined();
    await until("Home Assistant to get it", () => mirrored.includes("ON"));
    // A later live report of the same boot is current too; a replay of an older seq is not.
    await publish(STATE, signed(key, STATE, ++seq, "ON"));
    await publish(STATE, signed(key, STATE, 3, "OFF"));
    await until("the replay", () => /replayed/.test(slot("relay").unverified ?? ""));
    expect(slot("relay").value).toBe("ON");
    expect(mirrored.filter((m) => m !== "None")).toEqual(["ON"]);
  });

  it("keeps unsigned telemetry marked, with a bounded history for the chart", async () => {
    for (let i = 0; i < HISTORY_POINTS + 5; i++)
      await device.publishAsync(
        "latchkey/pump-1/telemetry",
        JSON.stringify({ up: i, free: 1000 + i, rssi: -60 - (i % 7) }),
        {
          qos: 1,
        },
      );
    await until("the last reading", () => slot("up").value === String(HISTORY_POINTS + 4));
    expect(slot("free")).toMatchObject({ value: String(1004 + HISTORY_POINTS), unsigned: true });
    expect(slot("free").history).toHaveLength(HISTORY_POINTS);
    expect(slot("free").history.at(-1)!.v).toBe(1004 + HISTORY_POINTS);
    expect(slot("up").history).toEqual([]);
  });

  it.skipIf(chromiumMissing())("draws the readings and marks the unverified state on the page", async () => {
    const pfx = { path: `${pki.store.identityDir("user", "alice")}/alice.p12`, passphrase: "pw" };
    browser = await openBrowser(hub!.url.replace(/\/$/, ""), pfx);
    const page = await browser.context.newPage();
    await page.goto(hub!.url);
    const card = page.locator('[data-device="pump-1"]');
    await expect
      .poll(() => card.locator('[data-entity="free"] .value').textContent())
      .toBe(String(1004 + HISTORY_POINTS));
    const points = await card.locator('[data-entity="free"] svg polyline').getAttribute("points");
    expect(points!.split(" ")).toHaveLength(HISTORY_POINTS);
    expect(await card.locator('[data-entity="free"] .badge').textContent()).toBe("unsigned");
    // The last relay report was a replay: the page keeps the verified ON and says so.
    expect(await card.locator('[data-entity="relay"] .value').textContent()).toBe("On");
    expect(await card.locator('[data-entity="relay"] .badge.unverified').getAttribute("title")).toMatch(/replayed/);
    await page.screenshot({
      path: process.env.LATCHKEY_HUB_SCREENSHOT_2 ?? path.join(os.tmpdir(), "latchkey-hub-telemetry.png"),
    });
  });
});
