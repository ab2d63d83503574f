// A fleet larger than Mosquitto's default queue per client: the hub subscribes to every device
// at once and is sent each device's retained availability and signed reports in one burst.
// With the defaults (20 in flight + 1000 queued) Mosquitto dropped everything past 340 devices
// of 3 retained topics, and those devices stayed "unknown" with nothing said by the hub. The
// generated configuration is sized for the CA's devices (scripts/broker/sizing.ts); and where a
// broker still drops, the hub notices, asks again and says so (scripts/hub/retained-watch.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, runMosquitto, type MosquittoProcess } from "../../scripts/broker/mosquitto.ts";
import { writeBrokerPolicy } from "../../scripts/broker/policy.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { macHex, readCommandKey } from "../../scripts/lib/signing.ts";
import { bulkNames } from "../../scripts/ca/bulk.ts";
import { issueDevices } from "../../scripts/ca/commands.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { testProfile } from "../support/profile.ts";
import { until } from "../support/wait.ts";

const PREFIX = "latchkey";
/** 3 retained topics each (availability, relay, maintenance window): 1,080 > 20 + 1,000. */
const DEVICES = 360;

/** What each device left on the broker: "online" and two signed reports, retained. */
async function leaveRetained(pki: TestPki, port: number, names: string[]): Promise<void> {
  const one = async (name: string) => {
    const client = await mqtt.connectAsync({
      host: "127.0.0.1",
      port,
      protocol: "mqtts",
      clientId: name,
      reconnectPeriod: 0,
      ...pki.credentials("device", name),
    });
    const key = readCommandKey(pki.stateDir, name);
    const boot = randomBytes(8).toString("hex");
    const report = (thing: string, value: string, seq: number) => {
      const topic = `${PREFIX}/${name}/${thing}/state`;
      const mac = macHex(key, `latchkey/1 report\n${topic}\n${boot}\n${seq}\n${value}`);
      return client.publishAsync(topic, JSON.stringify({ v: value, boot, seq, mac }), { qos: 1, retain: true });
    };
    await client.publishAsync(`${PREFIX}/${name}/availability`, "online", { qos: 1, retain: true });
    await report("relay", "OFF", 1);
    await report("maintenance", "CLOSED", 2);
    await client.endAsync();
  };
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(one));
}

describe.skipIf(mosquittoMissing())("the hub following more devices than Mosquitto's default queue holds", () => {
  let pki: TestPki;
  let names: string[];
  let mosquitto: MosquittoProcess | undefined;
  let hub: Hub | undefined;
  let confFile = "";
  const lines: string[] = [];

  beforeAll(async () => {
    pki = await makeTestPki();
    await pki.issue("hub", "hub");
    names = bulkNames("dev-", DEVICES);
    await issueDevices(pki.ctx, names);
  }, 120_000);
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") console.error(mosquitto?.log(), lines.join("\n"));
    await hub?.stop();
    hub = undefined;
    await mosquitto?.stop();
    mosquitto = undefined;
    lines.length = 0;
  });
  afterAll(async () => rm(pki.stateDir, { recursive: true, force: true }));

  /** Mosquitto with the generated configuration, `edit`ed; every device's retained messages
   *  left on it; then the hub, following every device. */
  async function fleet(edit: (conf: string) => string): Promise<Hub> {
    const port = await freePort();
    const files = await writeBrokerPolicy(pki.stateDir, PREFIX, { host: "127.0.0.1", port });
    confFile = files.conf;
    writeFileSync(files.conf, edit(readFileSync(files.conf, "utf8")));
    mosquitto = await runMosquitto(files.conf, "127.0.0.1", port);
    await leaveRetained(pki, port, names);
    const started = await startHub({
      stateDir: pki.stateDir,
      profiles: names.map((id) => testProfile({ id, topicPrefix: PREFIX, broker: { host: "127.0.0.1", port } })),
      broker: { host: "127.0.0.1", port },
      web: { host: "127.0.0.1", port: 0 },
      version: "test",
      log: (line) => lines.push(line),
    });
    hub = started;
    return started;
  }
  const online = (h: Hub) => names.filter((id) => h.states.view(id)?.availability === "online").length;

  it("the generated configuration holds every device's retained burst", async () => {
    const h = await fleet((conf) => conf);
    const queued = Number(/^max_queued_messages (\d+)$/m.exec(readFileSync(confFile, "utf8"))?.[1]);
    expect(queued).toBeGreaterThanOrEqual(DEVICES * 3);
    await until(`all ${DEVICES} devices online on the hub`, () => online(h) === DEVICES, 60_000);
    expect(mosquitto!.log()).not.toMatch(/dropped/);
    expect(h.states.view(names[DEVICES - 1]!)?.values.relay?.lastKnown?.value).toBe("OFF");
  }, 120_000);

  it("a broker with the default queue drops the burst: the hub asks again and says so", async () => {
    const h = await fleet((conf) =>
      conf
        .replace(/^max_queued_messages \d+$/m, "max_queued_messages 1000")
        .replace(/^max_inflight_messages \d+$/m, "max_inflight_messages 20"),
    );
    await until("the hub's warning", () => lines.some((l) => l.includes("the broker dropped")), 60_000);
    expect(mosquitto!.log()).toMatch(/Outgoing messages are being dropped for client hub/);
    const warning = lines.find((l) => l.includes("the broker dropped"))!;
    expect(warning).toMatch(new RegExp(`the broker dropped the retained messages of \\d+ of ${DEVICES} devices`));
    expect(warning).toMatch(/max_queued_messages/);
    await until(`all ${DEVICES} devices online on the hub`, () => online(h) === DEVICES, 60_000);
    expect(h.states.view(names[DEVICES - 1]!)?.values.relay?.lastKnown?.value).toBe("OFF");
    expect(lines.filter((l) => l.includes("never reported"))).toEqual([]);
  }, 120_000);
});
