// The owner's device administration on the page, in real headless Chromium against the hub on
// a real Mosquitto with the simulated device running the built bundle: an update over the air
// started from the card, its progress bar fed by the device's acknowledged chunks, and each
// outcome (rolled back, confirmed, refused as a downgrade); a restart (a signed RESTART); the
// maintenance window opened and closed, shown from the device's signed report, the window's
// password nowhere on the page; an operator limited to the device gets none of these.
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePassword } from "../../scripts/lib/console-login.ts";
import { readCommandKey } from "../../scripts/lib/signing.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { UpdateSource } from "../../scripts/hub/updates.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { chromiumMissing, openBrowser, type Browser } from "../support/chromium.ts";
import { screenshotFolder } from "../support/screenshots.ts";
import { bootDevice, builtBundleAt, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const PASSWORD = "operator-test-pass";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const NEW_VERSION = "0.2.0-page";

describe.skipIf(mosquittoMissing() || chromiumMissing())("the owner's page: updates, restart, maintenance", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);
  const shot = screenshotFolder();
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let newBundle = "";
  const browsers: Browser[] = [];
  // What the hub offers; each test sets it (the hub reads the version at every use, as it reads
  // package.json's).
  let offered = NEW_VERSION;
  const source: UpdateSource = { version: () => offered, bundle: async () => newBundle, confirmSeconds: 20 };

  const open = async (user: string, size = DESKTOP): Promise<Page> => {
    const pfx = { path: path.join(world.pki.store.identityDir("user", user), `${user}.p12`), passphrase: PASSWORD };
    const browser = await openBrowser(hub!.url.replace(/\/$/, ""), pfx);
    browsers.push(browser);
    const page = await browser.context.newPage();
    await page.setViewportSize(size);
    await page.goto(hub!.url);
    await expect.poll(() => page.locator("#operator").textContent()).toBe(`operator: ${user}`);
    await expect
      .poll(() => page.locator('[data-device="door-1"] .badge.freshness').textContent(), { timeout: 30000 })
      .toBe("state confirmed");
    return page;
  };
  const card = (page: Page) => page.locator('[data-device="door-1"]');
  const updateState = (page: Page) => card(page).locator(".update-state").textContent();
  /** Every progress value the page shows from now on (a MutationObserver in the page). */
  const recordProgress = (page: Page) =>
    page.evaluate(`(() => {
      const seen = (window.progress = []);
      new MutationObserver(() => {
        const bar = document.querySelector('[data-device="door-1"] .admin progress');
        const line = document.querySelector('[data-device="door-1"] .update-state');
        if (!bar || !line.textContent.startsWith("Update to ${NEW_VERSION}:")) return;
        if (seen[seen.length - 1] !== bar.value) seen.push(bar.value);
      }).observe(document.getElementById("devices"), { childList: true, subtree: true });
    })()`);
  const bootId = () => hub!.states.view("door-1")!.freshness;

  beforeAll(async () => {
    newBundle = await builtBundleAt(NEW_VERSION);
    await world.pki.issue("user", "alice", { password: PASSWORD });
    await world.pki.issue("user", "bob", { password: PASSWORD, devices: ["door-1"] });
    const profile = e2eProfile(world.broker.port);
    device = await bootDevice(world.pki.stateDir, profile);
    hub = await startHub({
      stateDir: world.pki.stateDir,
      profiles: [profile],
      broker: { host: "127.0.0.1", port: world.broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
      updates: source,
    });
    await hub.ready;
  }, 60000);
  afterAll(async () => {
    for (const b of browsers.splice(0)) await b.close();
    device?.powerOff();
    await hub?.stop();
  });

  it("an update that never confirms is shown rolled back; a good one climbs the bar to confirmed; then the card says up to date until a newer version is offered", async () => {
    const update = (version: string) => card(page!).getByRole("button", { name: `Update to ${version} door-1` });

    // A bundle that never connects: the device puts its old bundle back by itself.
    offered = "0.3.0-silent";
    Object.assign(source, { bundle: async () => 'print("no network");', confirmSeconds: 5 });
    let page = await open("alice");
    await card(page).locator("summary").click();
    await expect
      .poll(() => card(page).locator("dl.health").textContent())
      .toMatch(/Firmware0\.0\.0-test confirmed \d+ s ago/);
    await update("0.3.0-silent").click();
    await expect.poll(() => updateState(page), { timeout: 40000 }).toMatch(/^Update to 0\.3\.0-silent: Rolled back/);
    expect(await updateState(page)).toContain("rolled back from 0.3.0-silent to 0.0.0-test");
    expect(device!.storage.read(".bootcde")).not.toContain("no network");
    // The update's own status line says how it went: no "done ... started" beside it.
    expect(await card(page).locator(".admin-result").textContent()).not.toMatch(/done|started/);
    await page.screenshot({ path: shot("admin-1-rolled-back"), fullPage: true });

    offered = NEW_VERSION;
    Object.assign(source, { bundle: async () => newBundle, confirmSeconds: 20 });
    page = await open("alice");
    await recordProgress(page);
    await update(NEW_VERSION).click();
    await expect.poll(() => updateState(page), { timeout: 40000 }).toMatch(/^Update to 0\.2\.0-page: Sending/);
    await page.screenshot({ path: shot("admin-2-sending"), fullPage: true });
    await expect.poll(() => updateState(page), { timeout: 60000 }).toMatch(/^Update to 0\.2\.0-page: Confirmed/);
    expect(device!.storage.read(".bootcde")).toBe(newBundle);
    // The bar followed the device's acknowledgements: rising, chunk by chunk, to the size.
    const seen = (await page.evaluate("window.progress")) as number[];
    expect(seen.length).toBeGreaterThan(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(newBundle.length);
    expect(await card(page).locator(".admin progress").getAttribute("aria-label")).toBe(
      `Update progress: ${newBundle.length} of ${newBundle.length} bytes`,
    );
    await card(page).locator("summary").click();
    // The version the device signed in its snapshot after the reboot, not the hub's guess.
    await expect
      .poll(() => card(page).locator("dl.health").textContent(), { timeout: 15000 })
      .toMatch(new RegExp(`Firmware${NEW_VERSION.replace(/\./g, "\\.")} confirmed \\d+ s ago`));
    await page.screenshot({ path: shot("admin-3-confirmed"), fullPage: true });

    // The same version again is not offered: the card says the device is up to date.
    await expect
      .poll(() => card(page).locator(".up-to-date").textContent(), { timeout: 15000 })
      .toBe(
        `Up to date: runs ${NEW_VERSION}, the version a build makes now. A higher version in package.json offers an update.`,
      );
    expect(
      await card(page)
        .getByRole("button", { name: /^Update to/ })
        .count(),
    ).toBe(0);
    // Asked anyway (an old page): refused by the hub in one sentence, nothing sent.
    const direct = await hub!.updates.start("alice", "door-1");
    expect(direct).toEqual({
      accepted: false,
      detail: `door-1 is up to date: ${NEW_VERSION} is not newer than the ${NEW_VERSION} it runs (a higher version in package.json offers an update)`,
    });
    // A newer version (package.json bumped while the hub runs): offered at the next look.
    offered = "0.2.1-page";
    page = await open("alice");
    await expect.poll(() => update("0.2.1-page").isEnabled(), { timeout: 15000 }).toBe(true);
    expect(device!.storage.read(".bootcde")).toBe(newBundle);
    const audit = hub!.audit.recent(50).filter((r) => r.entity === "firmware" && r.phase === "result");
    expect(audit.map((r) => [r.cmd, r.accepted])).toEqual([
      [`UPDATE ${NEW_VERSION}`, true],
      ["UPDATE 0.3.0-silent", false],
    ]);
  }, 180000);

  it("a restart from the phone: the device reboots on the signed RESTART and comes back confirmed", async () => {
    const page = await open("alice", PHONE);
    const reboots = device!.reboots;
    const before = bootId();
    expect(before.confirmed).toBe(true);
    await card(page).getByRole("button", { name: "Restart door-1" }).click();
    await expect
      .poll(() => card(page).locator(".admin-result").textContent(), { timeout: 15000 })
      .toBe("Restart: done, the device is restarting");
    // The card's latest result follows at once: the restart, not the command before it.
    await expect
      .poll(() => card(page).locator(".result").textContent())
      .toBe("last: RESTART by alice: done, the device is restarting");
    await until("the device to reboot", () => device!.reboots === reboots + 1);
    // Back with a new boot, confirmed by its answer to the hub's challenge.
    await until(
      "a confirmed state from the new boot",
      () => {
        const f = bootId();
        return f.confirmed && before.confirmed && f.boot !== before.boot;
      },
      20000,
    );
    await expect
      .poll(() => card(page).locator(".badge.freshness").textContent(), { timeout: 15000 })
      .toBe("state confirmed");
    await page.screenshot({ path: shot("admin-4-restarted"), fullPage: true });
  }, 60000);

  it("the maintenance window opened and closed from the page, from the device's signed report, no password shown", async () => {
    const page = await open("alice");
    const window = card(page).locator(".admin .window");
    await expect.poll(() => window.textContent()).toMatch(/^Maintenance window: Closed /);
    expect(await card(page).getByRole("button", { name: "Close maintenance window door-1" }).isEnabled()).toBe(false);
    await card(page).getByRole("button", { name: "Open maintenance window door-1" }).click();
    await expect
      .poll(() => window.textContent(), { timeout: 15000 })
      .toMatch(/^Maintenance window: Open \(for 10 min from when it opened\) confirmed \d+ s ago/);
    // The signed report can reach the page before the answer to the page's request.
    await expect
      .poll(() => card(page).locator(".admin-result").textContent())
      .toBe("Open maintenance window: done, the window is open for 10 min");
    // The window's first password, derived from the command key: nowhere the page can reach.
    const report = hub!.states.view("door-1")!.values.maintenance!.value!;
    const [, , id] = report.split(" ");
    const key = readCommandKey(world.pki.stateDir, "door-1");
    const password = consolePassword(key, id!, 0);
    expect(password).toMatch(/^[0-9a-f]{16}$/);
    const state = (await page.evaluate(() => fetch("/api/state").then((r) => r.text()))) as string;
    expect(state).toContain(id);
    expect(state).not.toContain(password);
    expect(await page.content()).not.toContain(password);
    await page.screenshot({ path: shot("admin-5-window-open"), fullPage: true });
    await card(page).getByRole("button", { name: "Close maintenance window door-1" }).click();
    await expect.poll(() => window.textContent(), { timeout: 15000 }).toMatch(/^Maintenance window: Closed /);
    await expect
      .poll(() => card(page).getByRole("button", { name: "Open maintenance window door-1" }).isEnabled())
      .toBe(true);
    await expect
      .poll(() => card(page).locator(".admin-result").textContent())
      .toBe("Close maintenance window: done, the window is closed");
    // The recent events in words: the window's id and login counter are not for the owner.
    await card(page).locator("summary").click();
    const events = card(page).locator("ol.timeline li .what");
    await expect
      .poll(() => events.allTextContents())
      .toEqual(expect.arrayContaining(["Maintenance window: opened for 10 min", "Maintenance window: closed"]));
    expect((await events.allTextContents()).join("\n")).not.toContain(id!);
  }, 60000);

  it("an operator limited to the device gets no administration, and a direct request is refused in one sentence", async () => {
    const page = await open("bob", PHONE);
    expect(await card(page).locator(".admin").count()).toBe(0);
    const reboots = device!.reboots;
    const post = (body: object) =>
      page.evaluate(
        `fetch("/api/admin", { method: "POST", headers: { "content-type": "application/json", "x-latchkey-command": "1" }, body: ${JSON.stringify(JSON.stringify(body))} }).then((r) => r.json().then((j) => [r.status, j]))`,
      ) as Promise<[number, { error?: string }]>;
    for (const action of ["restart", "update", "maintenance-open"])
      expect(await post({ device: "door-1", action })).toEqual([
        403,
        {
          error: expect.stringMatching(
            /^Only an operator for every device may (restart a device|update a device's firmware|open a maintenance window): the certificate of bob is limited to door-1\.$/,
          ),
        },
      ]);
    expect(await post({ device: "garage-2", action: "restart" })).toEqual([404, { error: "no device 'garage-2'" }]);
    expect(device!.reboots).toBe(reboots);
    expect(hub!.states.view("door-1")!.values.maintenance!.value).toBe("CLOSED");
    const denied = hub!.audit.recent(20).filter((r) => r.who === "bob" && r.phase === "denied");
    expect(denied.map((r) => r.cmd).sort()).toEqual(["maintenance-open", "restart", "restart", "update"]);
    await page.screenshot({ path: shot("admin-6-limited"), fullPage: true });
  }, 60000);
});
