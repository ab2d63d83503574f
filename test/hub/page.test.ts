// The operators' page in real headless Chromium, against the hub on a real Mosquitto with the
// simulated device running the built bundle: who gets in (a certificate from the project's CA,
// active, an operator's), what each operator sees, and a press on the page reaching the relay
// pin through a signed command, with the audit log recording it across a hub restart.
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { chromiumMissing, openBrowser, type Browser } from "../support/chromium.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const PASSWORD = "operator-test-pass";
const SCREENSHOT = process.env.LATCHKEY_HUB_SCREENSHOT ?? path.join(os.tmpdir(), "latchkey-hub-screenshot.png");

describe.skipIf(mosquittoMissing() || chromiumMissing())("the hub's page in Chromium", () => {
  let pki: TestPki;
  let otherCa: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let door: DeviceProfile;
  let pump: DeviceProfile;
  const browsers: Browser[] = [];
  printLogOnFailure(() => [broker]);

  const p12 = (ca: TestPki, name: string) => ({
    path: path.join(ca.store.identityDir("user", name), `${name}.p12`),
    passphrase: PASSWORD,
  });
  const open = async (pfx?: { path: string; passphrase: string }) => {
    const browser = await openBrowser(hub!.url.replace(/\/$/, ""), pfx);
    browsers.push(browser);
    return browser.context.newPage();
  };
  const start = () =>
    startHub({
      stateDir: pki.stateDir,
      profiles: [door, pump],
      broker: { host: "127.0.0.1", port: broker!.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
      crlPollMs: 100,
      rediscoverMaxMs: 100,
    });

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    for (const id of ["door-1", "pump-1"]) await pki.issue("device", id);
    await pki.issue("hub", "hub");
    await pki.issue("user", "alice", { password: PASSWORD });
    await pki.issue("user", "bob", { password: PASSWORD, devices: ["pump-1"] });
    await pki.issue("user", "carol", { password: PASSWORD });
    otherCa = await makeTestPki();
    await otherCa.issue("user", "alice", { password: PASSWORD });
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    door = e2eProfile(broker.port, { relay: relayBehaviour({ mode: "pulse", pulseMs: 400, lockoutMs: 500 }) });
    pump = e2eProfile(broker.port, { id: "pump-1" });
    device = await bootDevice(pki.stateDir, door);
    hub = await start();
    await hub.ready;
  });
  afterAll(async () => {
    for (const b of browsers.splice(0)) await b.close();
    device?.powerOff();
    await hub?.stop();
    await broker?.stop();
  });

  it("serves its page with the hub's certificate, valid for localhost under the project's CA", async () => {
    const alice = pki.credentials("user", "alice");
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(hub!.url, { ca: alice.ca, cert: alice.cert, key: alice.key, rejectUnauthorized: true }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        })
        .on("error", reject);
    });
    expect(status).toBe(200);
  });

  /** The page as `page` gets it: refused with a 403 naming the reason, and no hub page. */
  const expectRefused = async (page: Awaited<ReturnType<typeof open>>, reason: RegExp) => {
    const before = hub!.web.refusals.length;
    const response = await page.goto(hub!.url);
    expect(response!.status()).toBe(403);
    const text = await response!.text();
    expect(text).toMatch(reason);
    expect(text).not.toContain("Latchkey hub");
    expect(await page.locator("#devices").count()).toBe(0);
    await until("the hub to log the refusal", () => hub!.web.refusals.length > before);
    expect(hub!.web.refusals.slice(before).join("\n")).toMatch(reason);
  };

  it("refuses a browser with no certificate", async () => {
    await expectRefused(await open(), /no client certificate/);
  });

  it("refuses a certificate from another CA, even one that takes our CA's name", async () => {
    // The other CA is also called "Latchkey CA": OpenSSL finds ours by name, and the
    // signatures (certificate, CRL) do not check out.
    await expectRefused(
      await open(p12(otherCa, "alice")),
      /client certificate refused: (UNABLE_TO_GET_ISSUER_CERT\w*|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE|CRL_SIGNATURE_FAILURE)/,
    );
  });

  it("lets an operator see every device and press ON: the relay pin pulses, the audit says who", async () => {
    const page = await open(p12(pki, "alice"));
    // Every request the page makes is answered (a browser asks for an icon too).
    const failed: string[] = [];
    page.on("response", (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    await page.goto(hub!.url);
    await expect.poll(() => page.locator("#operator").textContent()).toBe("operator: alice");
    const card = page.locator('[data-device="door-1"]');
    await expect.poll(() => card.locator(".availability").textContent(), { timeout: 15000 }).toBe("online");
    await expect
      .poll(() => card.locator('[data-entity="relay"] .value').textContent(), { timeout: 15000 })
      .toBe("Ready");
    expect(await page.locator('[data-device="pump-1"]').count()).toBe(1);
    const drives = () => device!.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive");
    const before = drives().length;
    await card.getByRole("button", { name: "Press Relay" }).click();
    await until(
      "the relay pulse (HIGH then LOW)",
      () => {
        const after = drives().slice(before);
        return after.some((e, i) => e.high && after.slice(i + 1).some((l) => !l.high));
      },
      15000,
    );
    await expect
      .poll(() => card.locator(".result").textContent(), { timeout: 10000 })
      .toMatch(/^Press: done, relay pulsed/);
    expect(failed).toEqual([]);
    // The tab's icon comes from the hub, and is an image the browser draws.
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    const width = await page.evaluate<number>(
      `(async () => { const i = new Image(); i.src = ${JSON.stringify(icon)}; await i.decode(); return i.naturalWidth; })()`,
    );
    expect(width).toBeGreaterThan(0);
    const pulse = drives().slice(before);
    const high = pulse.find((e) => e.high)!;
    const low = pulse.find((e) => !e.high && e.t > high.t)!;
    expect(low.t - high.t).toBeGreaterThanOrEqual(350);
    await expect
      .poll(() => page.locator("#audit li").first().textContent())
      .toMatch(/alice \(web\)\s+door-1\/relay\s+ON\s+result/);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const records = hub!.audit.recent(10).filter((r) => r.who === "alice" && r.device === "door-1");
    expect(records.map((r) => r.phase)).toEqual(["result", "sent"]);
    expect(records[0]).toMatchObject({ via: "web", entity: "relay", cmd: "ON", accepted: true });
    expect(records[0]!.detail).toMatch(/pulse/);
  });

  it("shows a limited operator only their devices, and refuses the others' commands", async () => {
    const page = await open(p12(pki, "bob"));
    await page.goto(hub!.url);
    await expect.poll(() => page.locator('[data-device="pump-1"]').count()).toBe(1);
    expect(await page.locator('[data-device="door-1"]').count()).toBe(0);
    const answer = await page.evaluate(async () => {
      const r = await fetch("/api/command", {
        method: "POST",
        headers: { "content-type": "application/json", "x-latchkey-command": "1" },
        body: JSON.stringify({ device: "door-1", entity: "relay", cmd: "ON" }),
      });
      return { status: r.status, body: await r.text() };
    });
    expect(answer.status).toBe(404);
    expect(hub!.audit.recent(5)[0]).toMatchObject({ who: "bob", device: "door-1", phase: "denied", accepted: false });
    const state = await page.evaluate(() => fetch("/api/state").then((r) => r.json()));
    expect((state as { devices: { id: string }[] }).devices.map((d) => d.id)).toEqual(["pump-1"]);
  });

  it("refuses an operator once revoked (the CRL is re-read when the CA rewrites it)", async () => {
    const before = await open(p12(pki, "carol"));
    await before.goto(hub!.url);
    await expect.poll(() => before.locator("#operator").textContent()).toBe("operator: carol");
    const loads = hub!.web.crlLoads();
    await pki.revoke("carol");
    await until("the hub to load the new CRL", () => hub!.web.crlLoads() > loads);
    await expectRefused(await open(p12(pki, "carol")), /CERT_REVOKED/);
    // The page it had open loses its connection with the reload; it cannot get back in.
    const status = await before.evaluate(() =>
      fetch("/api/state").then(
        (r) => r.status,
        () => 0,
      ),
    );
    expect([0, 403]).toContain(status);
  });

  it("keeps the audit log across a hub restart", async () => {
    const written = hub!.audit.recent(50);
    expect(written.some((r) => r.who === "alice" && r.phase === "result" && r.accepted)).toBe(true);
    await hub!.stop();
    hub = await start();
    await hub.ready;
    expect(hub.audit.recent(50)).toEqual(written);
  });
});
