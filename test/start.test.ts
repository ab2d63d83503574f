// `npm start` stops what it started on every way out: a failing step (the build), SIGINT,
// SIGTERM and SIGHUP (the terminal closed), and a profile naming a LAN broker is served
// locally, not reported as a busy port. Runs the real command with Mosquitto when installed.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import https from "node:https";
import { describe, expect, it } from "vitest";
import { issue } from "../scripts/pki/commands.ts";
import { PkiStore } from "../scripts/pki/store.ts";
import { dropFolderPath } from "../scripts/broker/run-as.ts";
import { freePort, mosquittoPath } from "./support/broker.ts";
import { recordBadInput } from "./support/bad-input.ts";
import { root } from "./support/cli.ts";
import { until } from "./support/wait.ts";

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port: number;
  stateDir: string;
}

interface Config {
  device: { broker: { host: string; port: number } };
  build: { sizeBudgetBytes: number };
}

async function npmStart(change: (config: Config) => void, args: string[] = []): Promise<Started> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-start-"));
  const config = JSON.parse(readFileSync(path.join(root, "espruino.config.json"), "utf8")) as Config;
  const port = await freePort();
  config.device.broker.port = port;
  change(config);
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: root,
    env: {
      ...process.env,
      LATCHKEY_CONFIG: path.join(dir, "config.json"),
      LATCHKEY_STATE_DIR: path.join(dir, "state"),
      LATCHKEY_DIST: path.join(dir, "dist", "latchkey.js"),
      LATCHKEY_CA_PASSPHRASE: "",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited, port, stateDir: path.join(dir, "state") };
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** Pids of Mosquitto processes running with the configuration written for `stateDir`. */
function brokersOf(stateDir: string): number[] {
  const confs = [
    path.join(stateDir, "broker", "mosquitto.conf"),
    path.join(dropFolderPath(stateDir), "mosquitto.conf"),
  ];
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8");
        return confs.some((conf) => cmdline.includes(conf));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const brokerUp = /broker +│ (Mosquitto|embedded broker \(aedes\)) on 127\.0\.0\.1:(\d+)/;

async function expectStopped(started: Started) {
  expect(await accepts(started.port)).toBe(false);
  expect(brokersOf(started.stateDir)).toEqual([]);
}

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
      await until(
        when,
        () => (when === "broker" ? brokerUp.test(started.output()) : started.output().includes("device booted")),
        40000,
      );
      // Not vacuous: the broker is there before the signal.
      expect(await accepts(started.port)).toBe(true);
      if (mosquittoPath()) expect(brokersOf(started.stateDir)).toHaveLength(1);
      started.child.kill(signal);
      expect((await started.exited).code).toBe(code);
      expect(started.output()).toMatch(/sim +│ stopped/);
      await expectStopped(started);
    }, 60000);
  }
});

describe("npm start with a LAN broker host in the profile", () => {
  it("serves 127.0.0.1 and says so, instead of calling the port busy", async () => {
    const started = await npmStart((c) => (c.device.broker.host = "broker.lan"));
    await until("the broker", () => brokerUp.test(started.output()), 40000);
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
    await until(
      "the hub's page",
      () => started.output().includes(`operators' page: https://localhost:${hubPort}/`),
      40000,
    );
    expect(started.output()).toMatch(/operator certificate: npm run pki -- user NAME, then import .*NAME\.p12/);
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
