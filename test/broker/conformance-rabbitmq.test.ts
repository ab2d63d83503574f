// The broker conformance suite (test/support/conformance-suite.ts) on a 3-node RabbitMQ
// cluster, started once for the whole file: each case's client and its probe publisher are
// on different nodes, so every delivery crosses the cluster. Then the built bundle in the
// simulated ESP32, issued while the cluster runs, takes a signed command through it; and the
// hub follows devices connected to every node.
import type mqtt from "mqtt";
import { afterEach, expect, it } from "vitest";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { issueDevices } from "../../scripts/ca/commands.ts";
import { PkiStore } from "../../scripts/lib/pki-store.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { pkiCli } from "../support/cli.ts";
import { PREFIX } from "../support/conformance.ts";
import { conformanceSuite } from "../support/conformance-suite.ts";
import { connectTls } from "../support/pki.ts";
import { collect } from "../support/pki.ts";
import { rabbitmqMissing, startTestRabbit, type TestRabbit } from "../support/rabbitmq.ts";
import { signer } from "../support/signed.ts";
import { until } from "../support/wait.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";

let rabbit: TestRabbit | undefined;
/** Devices for the hub's test, one per node. */
const HALLS = ["hall-1", "hall-2", "hall-3"];

conformanceSuite(
  "RabbitMQ cluster (3 nodes)",
  rabbitmqMissing(),
  {
    publish: "closed",
    subscribe: "closed",
    nobody: "refused",
    takeover: "refused",
    revoked: "the RabbitMQ cluster deleted user 'door-r' and closed its open connections",
  },
  async (stateDir) => {
    await issueDevices({ store: new PkiStore(stateDir), log: () => undefined }, HALLS);
    const [started] = await Promise.all([startTestRabbit(stateDir, PREFIX, 3), builtBundle()]);
    rabbit = started;
    console.log(`RabbitMQ: 3-node cluster started in ${(started.startMs / 1000).toFixed(1)} s`);
    return { kind: "rabbitmq", port: started.port, log: started.cluster.log, stop: started.stop };
  },
  240000,
  (world) => {
    const devices: SimulatedDevice[] = [];
    const clients: mqtt.MqttClient[] = [];
    let hub: Hub | undefined;
    afterEach(async (context) => {
      if (context.task.result?.state === "fail")
        devices.forEach((d) => console.error(`--- device log ---\n${d.lines.join("\n")}`));
      await hub?.stop();
      hub = undefined;
      devices.splice(0).forEach((d) => d.powerOff());
      clients.splice(0).forEach((c) => c.end(true));
    });

    it("the hub shows devices connected to every node online, though RabbitMQ sends it none of their retained messages", async () => {
      const { broker, pki } = world();
      // Seen live on node 1: each device's availability is retained (on its own node) before
      // the hub subscribes.
      const watch = await connectTls(broker.port(0), pki.credentials("user", "olga"), "olga");
      clients.push(watch);
      const online = await collect(watch, `${PREFIX}/+/availability`);
      const profiles = HALLS.map((id, node) => e2eProfile(broker.port(node), { id }));
      for (const profile of profiles) devices.push(await bootDevice(pki.stateDir, profile));
      await until(
        "every device's availability",
        () => HALLS.every((id) => online.includes(`${PREFIX}/${id}/availability online`)),
        30000,
      );
      hub = await startHub({
        stateDir: pki.stateDir,
        profiles,
        broker: { host: "127.0.0.1", port: broker.port(0) },
        web: { host: "127.0.0.1", port: 0 },
        version: "test",
        confirmEveryMs: 3600000,
      });
      const started = hub;
      const shown = () => HALLS.map((id) => `${id} ${started.states.view(id)?.availability}`);
      await until(
        "the hub showing every device online",
        () => shown().every((line) => line.endsWith(" online")),
        20000,
      ).catch(() => undefined);
      expect(shown()).toEqual(HALLS.map((id) => `${id} online`));
      expect(HALLS.map((id) => started.states.view(id)?.values.relay?.value)).toEqual(["OFF", "OFF", "OFF"]);
    }, 90000);

    it("a device issued while the cluster runs connects to one node and obeys a signed command sent through another", async () => {
      const { broker, pki } = world();
      const issued = await pkiCli(pki.stateDir, ["device", "door-1"]);
      expect(issued.status).toBe(0);
      expect(issued.stdout).toMatch(/the RabbitMQ cluster \(pid \d+, port \d+\) reloaded its policy for 'door-1'/);
      const device = await bootDevice(pki.stateDir, e2eProfile(broker.port(1)));
      devices.push(device);
      await device.waitFor(/MQTT connected/, 20000);
      const hub = await connectTls(broker.port(2), pki.credentials("hub", "hub"), "hub");
      clients.push(hub);
      expect(await signer(hub, pki.stateDir, PREFIX, "door-1").send("ON")).toEqual({
        accepted: true,
        detail: "relay ON",
      });
      expect(device.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive").at(-1)?.high).toBe(true);

      // RabbitMQ 3.10 keeps retained messages on the node that received them: a client of
      // another node gets none of the device's retained reports. The hub does not need them:
      // its challenge (state/get) is answered with a signed snapshot through any node.
      const onDeviceNode = await connectTls(broker.port(1), pki.credentials("user", "olga"), "olga");
      clients.push(onDeviceNode);
      const retainedThere: string[] = [];
      onDeviceNode.on("message", (topic, _p, packet) => packet.retain && retainedThere.push(topic));
      await onDeviceNode.subscribeAsync(`${PREFIX}/door-1/relay/state`, { qos: 1 });
      await until("the retained report on the device's node", () => retainedThere.length > 0);
      // The hub (node 3) subscribes only now, after the device's retained reports exist.
      const seen: string[] = [];
      hub.on("message", (topic, _p, packet) => seen.push(`${topic}${packet.retain ? " (retained)" : ""}`));
      await hub.subscribeAsync(`${PREFIX}/door-1/#`, { qos: 1 });
      await hub.publishAsync(`${PREFIX}/door-1/state/get`, "0123456789abcdef0123456789abcdef", { qos: 1 });
      await until("the snapshot on another node", () => seen.includes(`${PREFIX}/door-1/state`));
      expect(seen.filter((line) => line.endsWith("(retained)"))).toEqual([]);
    }, 90000);

    it("a node killed: the others serve on, and a device whose session was on it subscribes again through another; restarted, it rejoins the cluster and serves again", async () => {
      const { broker, pki } = world();
      const cluster = rabbit!.cluster;
      const hub = await connectTls(broker.port(0), pki.credentials("hub", "hub"), "hub");
      clients.push(hub);
      const seen = await collect(hub, `${PREFIX}/door-b/#`);
      // door-b's QoS 1 subscription is a durable queue on node 2 (the plugin's, even for a
      // clean session) until the device's next connect replaces it.
      const onKilled = await connectTls(broker.port(1), pki.credentials("device", "door-b"), "door-b");
      clients.push(onKilled);
      await onKilled.subscribeAsync(`${PREFIX}/door-b/+/set`, { qos: 1 });
      let lost = false;
      onKilled.on("close", () => (lost = true));
      await cluster.killNode(1);
      await until("door-b's link to the killed node to end", () => lost);
      const before = await connectTls(broker.port(2), pki.credentials("device", "door-b"), "door-b");
      clients.push(before);
      // What the device does after every connect: subscribe to its commands (QoS 1).
      const commands = await collect(before, `${PREFIX}/door-b/+/set`);
      await hub.publishAsync(`${PREFIX}/door-b/relay/set`, "through node 3", { qos: 1 });
      await until("the command through node 3 while node 2 is down", () => commands.length === 1);
      await before.publishAsync(`${PREFIX}/door-b/relay/state`, "while-down", { qos: 1 });
      await until("the report through node 3 while node 2 is down", () => seen.length === 2);
      before.end(true);
      await expect(connectTls(broker.port(1), pki.credentials("device", "door-b"), "door-b")).rejects.toThrow();
      await cluster.startNode(1);
      const running = JSON.parse(await cluster.ctl(["cluster_status", "--formatter", "json"])).running_nodes;
      expect(running.sort()).toEqual(cluster.nodes.map((n) => n.name));
      const after = await connectTls(broker.port(1), pki.credentials("device", "door-b"), "door-b");
      clients.push(after);
      await collect(after, `${PREFIX}/door-b/+/set`);
      await after.publishAsync(`${PREFIX}/door-b/relay/state`, "restarted", { qos: 1 });
      await until("the report through the restarted node", () => seen.length === 3);
      expect(seen).toEqual([
        `${PREFIX}/door-b/relay/set through node 3`,
        `${PREFIX}/door-b/relay/state while-down`,
        `${PREFIX}/door-b/relay/state restarted`,
      ]);
    }, 120000);
  },
);
