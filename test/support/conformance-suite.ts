// The broker conformance suite itself: one describe block per broker, the same cases for all
// (test/support/conformance.ts), each broker's refusal signals asserted as they are.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pkiCli } from "./cli.ts";
import {
  Conformance,
  conformancePki,
  identities,
  PREFIX,
  PUBLISH_CASES,
  SUBSCRIBE_CASES,
  type Signals,
  type Target,
} from "./conformance.ts";
import { connectTls, type TestPki } from "./pki.ts";
import { until } from "./wait.ts";

export interface StartedBroker extends Target {
  log(): string;
  stop(): Promise<void>;
}

const { DOOR_A, DOOR_B, ALICE, HUB, HA, VIEW } = identities;

export function conformanceSuite(
  name: string,
  skip: boolean,
  signals: Signals,
  start: (stateDir: string) => Promise<StartedBroker>,
  startTimeoutMs = 60000,
  /** Further tests on the same broker (a cluster is started once per file). */
  more?: (world: () => { broker: StartedBroker; pki: TestPki }) => void,
): void {
  describe.skipIf(skip)(`broker conformance: ${name}`, () => {
    let pki: TestPki;
    let other: TestPki;
    let broker: StartedBroker | undefined;
    let run: Conformance;

    beforeAll(async () => {
      ({ pki, other } = await conformancePki());
      broker = await start(pki.stateDir);
      run = new Conformance(broker, pki);
      await run.startWatching();
    }, startTimeoutMs);
    afterAll(async () => {
      run?.close();
      await broker?.stop();
    }, 60000);

    const refusedSignal = (who: readonly [string, string], signal: string) =>
      who === HA && signals.nobody === "refused" ? "refused" : signal;
    const show = (who: readonly [string, string], action: string) => `${who[1]} ${action}`;

    it("every identity's publishes: the allowed ones delivered, the refused ones not", async () => {
      const results: string[] = [];
      for (const [i, c] of PUBLISH_CASES.entries()) {
        const outcome = await run.publish(c, i, `p${i}`);
        results.push(`${show(c.who, `publish ${c.topic}`)}: ${outcome}`);
      }
      await until("every allowed publish at the observer", () =>
        PUBLISH_CASES.every((c, i) => !c.allowed || run.seen(`${c.topic} p${i}`)),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(
        PUBLISH_CASES.map((c, i) => `${show(c.who, `publish ${c.topic}`)}: ${run.seen(`${c.topic} p${i}`)}`),
      ).toEqual(PUBLISH_CASES.map((c) => `${show(c.who, `publish ${c.topic}`)}: ${c.allowed}`));
      expect(results).toEqual(
        PUBLISH_CASES.map(
          (c) =>
            `${show(c.who, `publish ${c.topic}`)}: ${c.allowed ? "acknowledged" : refusedSignal(c.who, signals.publish)}`,
        ),
      );
    }, 120000);

    it("every identity's subscriptions: the allowed ones receive, the refused ones not", async () => {
      const results: string[] = [];
      for (const [i, c] of SUBSCRIBE_CASES.entries()) {
        const { signal, delivered } = await run.subscribe(c, i, `s${i}`);
        results.push(
          `${show(c.who, `subscribe ${c.filter}`)}: ${signal}, ${delivered ? "delivered" : "not delivered"}`,
        );
      }
      expect(results).toEqual(
        SUBSCRIBE_CASES.map(
          (c) =>
            `${show(c.who, `subscribe ${c.filter}`)}: ${c.allowed ? "granted" : refusedSignal(c.who, signals.subscribe)}, ${c.allowed ? "delivered" : "not delivered"}`,
        ),
      );
    }, 120000);

    it("no certificate, another CA's, an expired or a revoked one: refused", async () => {
      const ca = pki.credentials("device", "door-a").ca;
      await expect(connectTls(broker!.port(0), { ca })).rejects.toThrow();
      await expect(connectTls(broker!.port(1), { ...other.credentials("device", "door-a"), ca })).rejects.toThrow();
      await expect(connectTls(broker!.port(2), pki.credentials("device", "expired"), "expired")).rejects.toThrow();
      await expect(connectTls(broker!.port(0), pki.credentials("device", "gone"), "gone")).rejects.toThrow();
    });

    it("another identity cannot take over a device's or the hub's client id", async () => {
      const victims = new Map<string, mqtt.MqttClient>();
      let closed = "";
      for (const [who, node] of [
        [DOOR_A, 0],
        [HUB, 1],
      ] as const) {
        const client = await run.connect(who, node);
        client.on("close", () => (closed += `${who[1]} `));
        victims.set(who[1], client);
      }
      const got: string[] = [];
      victims.get("door-a")!.on("message", (topic, payload) => got.push(`${topic} ${payload.toString()}`));
      await victims.get("door-a")!.subscribeAsync(`${PREFIX}/door-a/+/set`, { qos: 1 });
      const outcomes: string[] = [];
      for (const [who, id, node] of [
        [DOOR_B, "door-a", 0],
        [ALICE, "door-a", 1],
        [ALICE, "hub", 2],
        [DOOR_B, "hub", 1],
        // npm start's view is a hub certificate of its own, never the hub's session.
        [VIEW, "hub", 0],
      ] as const) {
        const outcome = await run.connect(who, node, id).then(
          async (intruder) => {
            // A round trip through the broker: a takeover, if any, has happened by now.
            await intruder.publishAsync(`${PREFIX}/door-b/nonce/get`, "", { qos: 1 }).catch(() => undefined);
            intruder.end(true);
            return "accepted under its own id";
          },
          () => "refused",
        );
        outcomes.push(`${who[1]} as '${id}': ${outcome}`);
      }
      expect(outcomes).toEqual(
        ["door-b as 'door-a'", "alice as 'door-a'", "alice as 'hub'", "door-b as 'hub'", "view as 'hub'"].map(
          (line) => `${line}: ${signals.takeover}`,
        ),
      );
      await victims.get("hub")!.publishAsync(`${PREFIX}/door-a/relay/set`, "still-mine", { qos: 1 });
      await until("door-a to receive the hub's command", () => got.includes(`${PREFIX}/door-a/relay/set still-mine`));
      expect(closed).toBe("");
    });

    it("a certificate revoked while connected: its session is closed and it cannot come back", async () => {
      const door = await run.connect(["device", "door-r"], 1);
      let closed = false;
      door.on("close", () => (closed = true));
      const result = await pkiCli(pki.stateDir, ["revoke", "door-r"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/reloaded: it now refuses 'door-r'/);
      expect(result.stdout.split("\n").at(-1)).toBe(signals.revoked);
      await until("door-r's session to close", () => closed, 10000);
      for (const node of [0, 1, 2])
        await expect(connectTls(broker!.port(node), pki.credentials("device", "door-r"), "door-r")).rejects.toThrow();
    }, 90000);

    more?.(() => ({ broker: broker!, pki }));
  });
}
