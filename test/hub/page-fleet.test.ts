// The page with a fleet: 500 cards, a search by id, a filter by state and one summary line of
// what is open or on and what is offline, in real headless Chromium against the hub on
// Mosquitto. Three devices report (two online, one offline); the rest were never heard from.
import path from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { bulkNames } from "../../scripts/ca/bulk.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { chromiumMissing, openBrowser, type Browser } from "../support/chromium.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { testProfile } from "../support/profile.ts";
import { until } from "../support/wait.ts";

const PASSWORD = "operator-test-pass";
const names = bulkNames("dev-", 500);

describe.skipIf(mosquittoMissing() || chromiumMissing())("the hub's page with 500 devices", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let browser: Browser | undefined;
  printLogOnFailure(() => [broker]);

  beforeAll(async () => {
    pki = await makeTestPki();
    for (const id of names.slice(0, 3)) await pki.issue("device", id);
    await pki.issue("hub", "hub");
    await pki.issue("user", "alice", { password: PASSWORD });
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    for (const [id, availability] of [
      [names[0]!, "online"],
      [names[1]!, "online"],
      [names[2]!, "offline"],
    ]) {
      const client = await mqtt.connectAsync({
        host: "127.0.0.1",
        port: broker.port,
        protocol: "mqtts",
        clientId: id,
        reconnectPeriod: 0,
        ...pki.credentials("device", id),
      });
      await client.publishAsync(`latchkey/${id}/availability`, availability, { qos: 1, retain: true });
      await client.endAsync();
    }
    hub = await startHub({
      stateDir: pki.stateDir,
      profiles: names.map((id) => testProfile({ id, broker: { host: "127.0.0.1", port: broker!.port } })),
      broker: { host: "127.0.0.1", port: broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    await hub.ready;
    await until("the three reports", () => hub!.states.view(names[2]!)?.availability === "offline");
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await broker?.stop();
  });

  it("searches, filters by state and sums up what is open or offline", async () => {
    browser = await openBrowser(hub!.url.replace(/\/$/, ""), {
      path: path.join(pki.store.identityDir("user", "alice"), "alice.p12"),
      passphrase: PASSWORD,
    });
    const page = await browser.context.newPage();
    await page.goto(hub!.url);
    const visible = () => page.locator("article.device:visible").count();
    await expect.poll(() => page.locator("article.device").count(), { timeout: 30000 }).toBe(500);
    await expect.poll(() => page.textContent("#summary"), { timeout: 10000 }).toMatch(/^500 devices/);
    expect(await page.textContent("#summary")).toBe(
      "500 devices: 0 open or on, 498 offline or not heard from (dev-0003, dev-0004, dev-0005, dev-0006, dev-0007 and 493 more)",
    );
    await page.selectOption("#filter", "online");
    expect(await visible()).toBe(2);
    await page.selectOption("#filter", "offline");
    expect(await visible()).toBe(1);
    await page.selectOption("#filter", "");
    await page.fill("#search", "dev-0499");
    await expect.poll(() => visible(), { timeout: 10000 }).toBe(1);
    expect(await page.locator("article.device:visible").getAttribute("data-device")).toBe("dev-0499");
  }, 120_000);
});
