// `npm start` stops what it started on every way out: a failing step (the build), SIGINT,
// SIGTERM and SIGHUP (the terminal closed), and a profile naming a LAN broker is served
// locally, not reported as a busy port. Runs the real command with Mosquitto when installed.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import https from "node:https";
import mqtt from "mqtt";
import { describe, expect, it, onTestFinished } from "vitest";
import { readCommandKey, sendSignedCommand } from "../scripts/lib/signing.ts";
import { issue } from "../scripts/ca/commands.ts";
import { PkiStore } from "../scripts/lib/pki-store.ts";
import { freePort, mosquittoPath } from "./support/broker.ts";
import { recordBadInput } from "./support/bad-input.ts";
import {
  accepts,
  brokersOf,
  brokerUp,
  completeLine,
  npmStart as startProcess,
  waitForLine,
  type Started,
  type StartConfig,
  type StartOptions,
} from "./support/start.ts";

/** npm start, ended and its folder removed when the test ends, passed or failed. */
async function npmStart(
  change: (config: StartConfig) => void,
  args: string[] = [],
  options: StartOptions = {},
): Promise<Started> {
  const started = await startProcess(change, { args, ...options });
  onTestFinished(() => started.cleanup());
  return started;
}

async function expectStopped(started: Started) {
  expect(await accepts(started.port)).toBe(false);
  expect(brokersOf(started.stateDir)).toEqual([]);
}

const buildStarted = /build +│ building the firmware for /;

describe("npm start stops what it started", () => {
  it("when a step fails (the build over budget): one error, exit 1, broker stopped", async () => {
    const started = await npmStart((c) => (c.build.sizeBudgetBytes = 1000));
    const { code } = await started.exited;
    expect(code).toBe(1);
    expect(started.output()).toMatch(brokerUp);
    expect(started.output()).toMatch(/^start: .* is \d+ bytes, over the size budget of 1000 bytes$/m);
    await expectStopped(started);
    const message = /^start: .*$/m.exec(started.output())![0];
    recordBadInput(
      "npm start (build over its size budget)",
      { status: code, stderr: message },
      "broker stopped, port free",
    );
  }, 60000);

  for (const [signal, code, when] of [
    ["SIGHUP", 129, "device booted"],
    ["SIGTERM", 143, "broker"],
    ["SIGINT", 130, "broker"],
  ] as const) {
    it(`on ${signal} (${when === "broker" ? "while building" : "once running"}): exit ${code}, broker stopped`, async () => {
      const started = await npmStart(() => undefined);
      // "While building": signalled once the build has begun (its own line), whatever it takes.
      await waitForLine(started, when === "broker" ? buildStarted : /device booted/);
      // Not vacuous: the broker is there before the signal.
      expect(await accepts(started.port)).toBe(true);
      if (mosquittoPath()) expect(brokersOf(started.stateDir)).toHaveLength(1);
      started.child.kill(signal);
      expect((await started.exited).code).toBe(code);
      expect(started.output()).toMatch(/sim +│ stopped/);
      await expectStopped(started);
      // Stopped while building: nothing was provisioned or booted after the signal.
      if (when === "broker") expect(started.output()).not.toMatch(/sim +│ provisioned|device booted/);
    }, 60000);
  }
});

describe("npm start with a LAN broker host in the profile", () => {
  it("serves 127.0.0.1 and says so, instead of calling the port busy", async () => {
    const started = await npmStart((c) => (c.device.broker.host = "broker.lan"));
    await waitForLine(started, brokerUp);
    started.child.kill("SIGTERM");
    await started.exited;
    expect(started.output()).not.toMatch(/busy|in use/);
    expect(started.output()).toContain(
      `the profile's broker is broker.lan:${started.port}; npm start serves its own broker on 127.0.0.1:${started.port} and points the simulated device there`,
    );
  }, 60000);
});

describe("npm start -- --hub", () => {
  it("runs the hub beside the device, prints its page and how to get an operator certificate", async () => {
    const hubPort = await freePort();
    const started = await npmStart(() => undefined, ["--hub", "--hub-port", String(hubPort)]);
    await waitForLine(started, new RegExp(`operators' page: https://localhost:${hubPort}/`));
    // Wait for the line asserted on, whole: the one after the page's may not have arrived yet.
    await waitForLine(started, /operator certificate: npm run pki -- user NAME, then import .*NAME\.p12/);
    // No `ha` identity in a fresh CA: no Home Assistant endpoint, and the hub says what to do.
    await waitForLine(
      started,
      /Home Assistant: no `ha` identity, so no Home Assistant endpoint \(npm run pki -- ha opens it, the hub need not restart\)/,
    );
    const store = new PkiStore(started.stateDir);
    await issue({ store, log: () => undefined }, "user", "op", { password: "pw" });
    const get = (credentials: { cert?: Buffer; key?: Buffer }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get(
            `https://localhost:${hubPort}/api/state`,
            { ca: readFileSync(store.caCertFile), rejectUnauthorized: true, ...credentials },
            (r) => {
              let body = "";
              r.on("data", (d) => (body += d));
              r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
            },
          )
          .on("error", reject);
      });
    expect(await get({})).toMatchObject({ status: 403, body: expect.stringMatching(/no client certificate/) });
    const dir = store.identityDir("user", "op");
    const seen = await get({ cert: readFileSync(`${dir}/cert.pem`), key: readFileSync(`${dir}/key.pem`) });
    expect(seen.status).toBe(200);
    expect((JSON.parse(seen.body) as { devices: { id: string }[] }).devices.map((d) => d.id)).toEqual(["garage-door"]);
    started.child.kill("SIGTERM");
    expect((await started.exited).code).toBe(143);
    expect(await accepts(hubPort)).toBe(false);
    await expectStopped(started);
  }, 90000);
});

describe("npm start ends on Ctrl-C and recovers from a killed run", () => {
  it.skipIf(!mosquittoPath())(
    "Ctrl-C to the whole terminal (Mosquitto too) with --hub and a broker that stopped answering: all ends",
    async () => {
      const started = await npmStart(() => undefined, ["--hub", "--hub-port", String(await freePort())], {
        detached: true,
      });
      await waitForLine(started, /Home Assistant:/);
      await waitForLine(started, /relay\/state OFF \(signed/);
      // The hub's goodbye then gets no PUBACK: it used to wait for it forever.
      const [mosquitto] = brokersOf(started.stateDir);
      process.kill(mosquitto, "SIGSTOP");
      process.kill(-started.child.pid!, "SIGINT");
      expect((await started.exited).code).toBe(130);
      expect(started.output()).not.toMatch(/still stopping/);
      expect(started.output()).toMatch(/sim +│ stopped\n$/);
      await expectStopped(started);
    },
    60000,
  );

  it("a run killed with SIGKILL: the next start replaces what it left and runs", async () => {
    const first = await npmStart(() => undefined);
    await waitForLine(first, /relay\/state OFF \(signed/);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(path.join(first.stateDir, "broker", "listening.json"))).toBe(true);
    expect(existsSync(path.join(first.stateDir, "broker", "running.json"))).toBe(true);
    const leftBehind = brokersOf(first.stateDir);
    const second = await npmStart((c) => (c.device.broker.port = first.port), [], { dir: first.dir });
    await waitForLine(second, /relay\/state OFF \(signed/);
    expect(second.output()).toMatch(
      mosquittoPath()
        ? new RegExp(
            `broker +│ stopped Mosquitto \\(pid ${leftBehind[0]}, port ${first.port}\\), left running by a run that was killed`,
          )
        : /broker +│ replaced listening\.json and running\.json left by a run that was killed \(pid \d+\)/,
    );
    expect(second.output()).toMatch(new RegExp(`on 127\\.0\\.0\\.1:${first.port}:`));
    second.child.kill("SIGINT");
    expect((await second.exited).code).toBe(130);
    await expectStopped(second);
    expect(existsSync(path.join(first.stateDir, "broker", "listening.json"))).toBe(false);
    expect(existsSync(path.join(first.stateDir, "broker", "running.json"))).toBe(false);
  }, 90000);
});

describe("npm start's console", () => {
  it("answers help with its words and refuses exit and nonsense locally (nothing is sent)", async () => {
    const started = await npmStart(() => undefined);
    await waitForLine(started, /relay\/state OFF \(signed/);
    started.child.stdin!.write("help\nexit\nfrobnicate\n");
    await waitForLine(started, /you +│ 'frobnicate' is not a command here \(nothing was sent\)/);
    expect(
      completeLine(started.output(), /you +│ words: on, off, pulse \(signed relay commands\) or help/),
    ).toBeDefined();
    expect(completeLine(started.output(), /you +│ 'exit' is not a command here \(nothing was sent\)/)).toBeDefined();
    // Nothing signed went out for them: no command line, no result.
    expect(started.output()).not.toMatch(/\/set (HELP|EXIT|FROBNICATE) \(signed\)|result +│/);
    started.child.stdin!.write("pulse\n");
    await waitForLine(started, /result +│ PULSE done/);
    started.child.kill("SIGINT");
    expect((await started.exited).code).toBe(130);
  }, 60000);
});

describe("npm start's simulated garage door", () => {
  it("a signed OPEN: the door leaves the closed switch, reaches the open one, and the view shows opening then open, no fault", async () => {
    const started = await npmStart(() => undefined);
    await waitForLine(started, /relay\/state OFF \(signed/);
    // As the hub (the console holds the tools' identity: one connection per client id).
    const store = new PkiStore(started.stateDir);
    const dir = store.identityDir("hub", "hub");
    const client = await mqtt.connectAsync({
      host: "127.0.0.1",
      port: started.port,
      protocol: "mqtts",
      clientId: "hub",
      ca: readFileSync(store.caCertFile),
      cert: readFileSync(path.join(dir, "cert.pem")),
      key: readFileSync(path.join(dir, "key.pem")),
      reconnectPeriod: 0,
    });
    onTestFinished(() => {
      client.end(true);
    });
    const result = await sendSignedCommand(client, {
      prefix: "latchkey",
      device: "garage-door",
      key: readCommandKey(started.stateDir, "garage-door"),
      topic: "latchkey/garage-door/cover/set",
      cmd: "OPEN",
    });
    expect(result.accepted).toBe(true);
    // Within the profile's travelMs (25 s): the door takes 10 s, the firmware would fault at 25 s.
    const cover = (v: string) => new RegExp(`mqtt +│ latchkey/garage-door/cover/state \\{"v":"${v}"`);
    await waitForLine(started, cover("opening"));
    await waitForLine(started, cover("open"));
    const output = started.output();
    expect(output.search(cover("opening"))).toBeLessThan(output.search(cover("open")));
    expect(completeLine(output, /device +│ cover open$/)).toBeDefined();
    expect(output).toMatch(
      /door +│ opening: the closed switch opens; the open end in 10\.0 s\n(.*\n)*door +│ open: the open switch closes/,
    );
    // The switch it left, then the one it reached: both seen by the firmware.
    expect(output).toMatch(/closed\/state \{"v":"OFF"(.*\n)*.*open\/state \{"v":"ON"/);
    expect(output).not.toMatch(/travel timeout|fault\/state \{"v":"(?!none)/);
    expect(output).toMatch(/door +│ a simulated garage door, closed, .* reaches the other in 10\.0 s/);
    started.child.kill("SIGINT");
    expect((await started.exited).code).toBe(130);
  }, 90000);
});
