// The owner's page in real headless Chromium at phone (390x844) and desktop size, against the
// hub on a real Mosquitto with simulated devices running the built bundle: a garage door whose
// relay drives a simulated opener and reed switches (scripts/sim/garage.ts) and a plain switch.
// The door is driven from the page through a whole cycle and stopped mid-travel, the page
// following the reed switches; a limited operator and one whose devices the hub has no profile
// for. Screenshots go to a temporary folder (LATCHKEY_KEEP_SCREENSHOTS=<folder> keeps them).
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { GarageDoor } from "../../scripts/sim/garage.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { chromiumMissing, openBrowser, type Browser } from "../support/chromium.ts";
import { relayBehaviour } from "../support/profile.ts";
import { screenshotFolder } from "../support/screenshots.ts";
import { bootDevice, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const PASSWORD = "operator-test-pass";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };
const LOCKOUT_MS = 300;

describe.skipIf(mosquittoMissing() || chromiumMissing())("the owner's page: the door, devices, operators", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["device", "pump-1"],
    ["hub", "hub"],
  ]);
  const shot = screenshotFolder();
  let hub: Hub | undefined;
  let door: GarageDoor | undefined;
  const devices: SimulatedDevice[] = [];
  const browsers: Browser[] = [];

  const open = async (user: string, size: { width: number; height: number }): Promise<Page> => {
    const pfx = { path: path.join(world.pki.store.identityDir("user", user), `${user}.p12`), passphrase: PASSWORD };
    const browser = await openBrowser(hub!.url.replace(/\/$/, ""), pfx);
    browsers.push(browser);
    const page = await browser.context.newPage();
    await page.setViewportSize(size);
    await page.goto(hub!.url);
    await expect.poll(() => page.locator("#operator").textContent()).toBe(`operator: ${user}`);
    return page;
  };
  /** Every door label the page shows from now on, in order (a MutationObserver in the page;
   *  the page's code is a string here: the tests are type-checked without the DOM's types). */
  const recordLabels = (page: Page) =>
    page.evaluate(`(() => {
      const seen = (window.labels = []);
      const note = () => {
        const shown = document.querySelector('[data-device="door-1"] .door .value');
        if (shown && seen[seen.length - 1] !== shown.textContent) seen.push(shown.textContent);
      };
      note();
      new MutationObserver(note).observe(document.getElementById("devices"), { childList: true, subtree: true });
    })()`);
  const labels = (page: Page) => page.evaluate("window.labels") as Promise<string[]>;
  const doorBox = (page: Page) => page.locator('[data-device="door-1"] .door');
  const label = (page: Page) => doorBox(page).locator(".value").textContent();
  const enabled = async (page: Page) => {
    const out: string[] = [];
    for (const word of ["OPEN", "CLOSE", "STOP"])
      if (await doorBox(page).locator(`button[data-command="${word}"]`).isEnabled()) out.push(word);
    return out;
  };
  /** The opener's relay takes no press during the last one and its lockout (the device would
   *  refuse it): wait until the pulse ended and the lockout passed. */
  const pressOver = async () => {
    await until("the press to end", () => !devices[0]!.pins.level("D23"));
    await new Promise((resolve) => setTimeout(resolve, LOCKOUT_MS + 100));
  };
  const noSideScroll = (page: Page) =>
    page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth");

  beforeAll(async () => {
    for (const [name, devices] of [
      ["alice", undefined],
      ["bob", ["pump-1"]],
      ["dave", ["shed-9"]],
    ] as const)
      await world.pki.issue("user", name, { password: PASSWORD, ...(devices ? { devices: [...devices] } : {}) });
    const port = world.broker.port;
    const garage: DeviceProfile = e2eProfile(port, {
      id: "door-1",
      pins: {
        relay: { pin: "D23", activeLow: false },
        closed: { pin: "D27", activeLow: true },
        open: { pin: "D26", activeLow: true },
      },
      relay: relayBehaviour({ mode: "pulse", pulseMs: 300, lockoutMs: LOCKOUT_MS }),
      inputs: { closed: { pull: "up", debounceMs: 30 }, open: { pull: "up", debounceMs: 30 } },
      // Long: the door arrives when the test says, never by the firmware's travel timeout.
      cover: { relay: "relay", closed: "closed", open: "open", travelMs: 120000 },
    });
    const pump: DeviceProfile = e2eProfile(port, {
      id: "pump-1",
      pins: { relay: { pin: "D23", activeLow: false }, button: { pin: "D4", activeLow: true } },
      inputs: { button: { pull: "up", debounceMs: 30, action: "toggle" } },
      telemetry: { periodMs: 5000, minIntervalMs: 1000 },
    });
    const doorDevice = await bootDevice(world.pki.stateDir, garage);
    devices.push(doorDevice, await bootDevice(world.pki.stateDir, pump));
    door = new GarageDoor(
      doorDevice.pins,
      { relay: garage.pins.relay, closed: garage.pins.closed!, open: garage.pins.open },
      "closed",
    );
    hub = await startHub({
      stateDir: world.pki.stateDir,
      profiles: [garage, pump],
      broker: { host: "127.0.0.1", port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    await hub.ready;
  }, 60000);
  afterAll(async () => {
    for (const b of browsers.splice(0)) await b.close();
    door?.stop();
    for (const d of devices.splice(0)) d.powerOff();
    await hub?.stop();
  });

  it("a whole garage cycle from the phone: closed, opening, open, closing, closed, following the reed switches", async () => {
    const page = await open("alice", PHONE);
    await expect.poll(() => label(page), { timeout: 15000 }).toBe("Closed");
    await expect.poll(() => enabled(page)).toEqual(["OPEN"]);
    const closedSwitch = page.locator('[data-device="door-1"] [data-entity="input_closed"] .value');
    await expect.poll(() => closedSwitch.textContent()).toBe("Door at the closed end");
    // Each value says it is verified, and how old it is.
    const closedRow = page.locator('[data-device="door-1"] [data-entity="input_closed"]');
    expect(await closedRow.locator(".badge.confirmed").count()).toBe(1);
    // Confirmed by the device's answer to the hub's challenge: the badge carries the age.
    expect(await closedRow.locator(".badge.confirmed").textContent()).toMatch(/^confirmed \d+ s ago$/);
    expect(await doorBox(page).locator(".age, .badge.confirmed[data-at]").count()).toBeGreaterThan(0);
    expect(await noSideScroll(page)).toBe(true);
    await recordLabels(page);
    await page.screenshot({ path: shot("phone-1-closed"), fullPage: true });

    // Keyboard: the Open button is reachable by its label and pressed with Enter.
    await page.getByRole("button", { name: "Open the door" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Opening");
    await expect.poll(() => enabled(page)).toEqual(["STOP"]);
    await until("the door to leave the closed switch", () => door!.position === "opening");
    await expect.poll(() => closedSwitch.textContent()).toBe("Not at the closed end");
    await page.screenshot({ path: shot("phone-2-opening"), fullPage: true });
    door!.arrive();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Open");
    await expect.poll(() => enabled(page)).toEqual(["CLOSE"]);
    await expect
      .poll(() => page.locator('[data-device="door-1"] [data-entity="input_open"] .value').textContent())
      .toBe("Door fully open");
    await page.screenshot({ path: shot("phone-3-open"), fullPage: true });

    await pressOver();
    await doorBox(page).getByRole("button", { name: "Close the door" }).click();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Closing");
    await expect
      .poll(() => page.locator('[data-device="door-1"] [data-entity="input_open"] .value').textContent())
      .toBe("Not fully open");
    await page.screenshot({ path: shot("phone-4-closing"), fullPage: true });
    door!.arrive();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Closed");
    await expect.poll(() => enabled(page)).toEqual(["OPEN"]);
    expect(await labels(page)).toEqual(["Closed", "Opening", "Open", "Closing", "Closed"]);
    // One press each way, and the page says what happened.
    expect(door!.presses).toEqual(["closed", "open"]);
    await expect.poll(() => page.locator('[data-device="door-1"] .result').textContent()).toMatch(/^Close: done/);

    // The device's health and its recent events, opened with the keyboard.
    await page.locator('[data-device="door-1"] summary').focus();
    await page.keyboard.press("Enter");
    const details = page.locator('[data-device="door-1"] details');
    await expect.poll(() => details.getAttribute("open")).toBe("");
    const timeline = details.locator("ol.timeline li .what");
    await expect
      .poll(() => timeline.allTextContents())
      .toEqual(
        expect.arrayContaining([
          "Door: Closing → Closed",
          "Closed switch: Not at the closed end → Door at the closed end",
          "Door: Opening → Open",
          "CLOSE: done, the door is closing (was open)",
          "CLOSE to cover by alice (web)",
        ]),
      );
    expect(await details.locator("dl.health").textContent()).toMatch(/Certificate\s*expires \d{4}-\d\d-\d\d/);
    expect(await details.locator("dl.health").textContent()).toMatch(/Last seen\s*\d+ s ago/);
    // The station's address as the device signed it in its answer to the hub's challenge
    // (the simulated Wi-Fi's getIP(), as Espruino's).
    expect(await details.locator("dl.health").textContent()).toMatch(/IP address192\.168\.4\.2 confirmed \d+ s ago/);
    expect(await noSideScroll(page)).toBe(true);
    await page.screenshot({ path: shot("phone-5-health"), fullPage: true });
  }, 90000);

  it("a stop mid-travel on the desktop is Stopped, never Closed, and only the reverse is offered", async () => {
    const page = await open("alice", DESKTOP);
    // Another page open meanwhile: its card follows the newest result, not the one it loaded with.
    const other = await open("alice", PHONE);
    const otherResult = other.locator('[data-device="door-1"] .result');
    await expect
      .poll(() => otherResult.textContent(), { timeout: 15000 })
      .toBe("last: CLOSE by alice: done, the door is closing (was open)");
    await expect.poll(() => label(page), { timeout: 15000 }).toBe("Closed");
    const summary = page.locator("#summary");
    await expect.poll(() => summary.textContent()).toBe("2 devices: 0 open or on, 0 offline or not heard from");
    await recordLabels(page);
    const pressed = Date.now();
    await doorBox(page).getByRole("button", { name: "Open the door" }).click();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Opening");
    // The new value's age is from its own confirming report, never older than the value; the
    // challenge it was signed after is named in the title.
    const doorBadge = doorBox(page).locator(".badge.confirmed");
    expect(Number(await doorBadge.getAttribute("data-at"))).toBeGreaterThanOrEqual(pressed);
    expect(await doorBadge.getAttribute("title")).toMatch(/signed after it answered the hub's challenge of \d+ s ago/);
    await expect
      .poll(() => otherResult.textContent(), { timeout: 10000 })
      .toBe("last: OPEN by alice: done, the door is opening (was closed)");
    await until("the door to leave the closed switch", () => door!.position === "opening");
    await pressOver();
    await doorBox(page).getByRole("button", { name: "Stop the door" }).click();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Stopped");
    expect(door!.position).toBe("stopped");
    await expect
      .poll(() => page.locator('[data-device="door-1"] .result').textContent())
      .toBe("Stop: done, the door stopped (was opening)");
    await expect
      .poll(() => summary.textContent())
      .toBe("2 devices: 1 open or on (door-1), 0 offline or not heard from");
    // The opener's next press would close it: Open is not offered, Close is.
    await expect.poll(() => enabled(page)).toEqual(["CLOSE"]);
    expect(await doorBox(page).locator(".detail").textContent()).toMatch(/not closed/);
    await page.screenshot({ path: shot("desktop-1-stopped"), fullPage: true });
    await pressOver();
    await doorBox(page).getByRole("button", { name: "Close the door" }).click();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Closing");
    await expect
      .poll(() => page.locator('[data-device="door-1"] .result').textContent())
      .toBe("Close: done, the door is closing (was stopped)");
    door!.arrive();
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Closed");
    await expect.poll(() => summary.textContent()).toBe("2 devices: 0 open or on, 0 offline or not heard from");
    // The open switch made too (a fault): not confirmed closed, so counted open as the card says.
    devices[0]!.pins.drive("D26", false);
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Fault");
    await expect
      .poll(() => summary.textContent())
      .toBe("2 devices: 1 open or on (door-1), 0 offline or not heard from");
    devices[0]!.pins.drive("D26", true);
    await expect.poll(() => label(page), { timeout: 10000 }).toBe("Closed");
    expect(await labels(page)).toEqual(["Closed", "Opening", "Stopped", "Closing", "Closed", "Fault", "Closed"]);
  }, 60000);

  it("a limited operator sees only their device: a switch with its toggle, its button input, its health", async () => {
    for (const [size, name] of [
      [PHONE, "phone"],
      [DESKTOP, "desktop"],
    ] as const) {
      const page = await open("bob", size);
      const card = page.locator('[data-device="pump-1"]');
      // bob turns it on from the phone; the desktop then shows it on.
      const now = name === "phone" ? "Off" : "On";
      await expect.poll(() => card.locator('[data-entity="relay"] .value').textContent(), { timeout: 15000 }).toBe(now);
      expect(await page.locator('[data-device="door-1"]').count()).toBe(0);
      expect(await page.locator("#notice").isHidden()).toBe(true);
      await expect
        .poll(() => card.locator('[data-entity="input_button"] .meaning').textContent())
        .toBe("button: toggles relay");
      if (name === "phone") {
        const toggle = card.getByRole("switch", { name: "Turn on Relay" });
        expect(await toggle.getAttribute("aria-checked")).toBe("false");
        await toggle.click();
        await expect
          .poll(() => card.locator('[data-entity="relay"] .value').textContent(), { timeout: 10000 })
          .toBe("On");
        expect(devices[1]!.pins.level("D23")).toBe(true);
        await expect
          .poll(() => card.getByRole("switch", { name: "Turn off Relay" }).getAttribute("aria-checked"))
          .toBe("true");
        expect(await noSideScroll(page)).toBe(true);
      }
      await card.locator("summary").click();
      await expect
        .poll(() => card.locator('details [data-entity="up"] .value').textContent(), { timeout: 15000 })
        .toMatch(/^\d+ s$/);
      expect(await card.locator('details [data-entity="up"] .badge').textContent()).toBe("unsigned");
      await page.screenshot({ path: shot(`${name}-limited-operator`), fullPage: true });
      const state = (await page.evaluate(() => fetch("/api/state").then((r) => r.json()))) as {
        devices: { id: string }[];
      };
      expect(state.devices.map((d) => d.id)).toEqual(["pump-1"]);
      // One device, said so; the switch on counts as on.
      await expect
        .poll(() => page.locator("#summary").textContent())
        .toBe("1 device: 1 open or on (pump-1), 0 offline or not heard from");
    }
  }, 60000);

  it("an operator whose devices have no profile here gets a sentence saying so, not a blank page", async () => {
    for (const [size, name] of [
      [PHONE, "phone"],
      [DESKTOP, "desktop"],
    ] as const) {
      const page = await open("dave", size);
      const notice = page.locator("#notice");
      await expect.poll(() => notice.isVisible()).toBe(true);
      expect(await notice.textContent()).toBe(
        "The certificate of dave is limited to shed-9, and this hub has no profile for it: ask the hub's owner to add the device's profile (--profile), or to issue a certificate for the devices it follows.",
      );
      expect(await page.locator("[data-device]").count()).toBe(0);
      await page.screenshot({ path: shot(`${name}-no-devices`), fullPage: true });
    }
  }, 60000);
});
