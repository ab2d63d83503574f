// The tools a user runs beside `npm start` (npm run command, npm run ota): each keeps its own
// MQTT session, npm start's live view keeps its own, and a tool whose session is taken over
// before it is done says so in one line and exits non-zero (never 0 without what it promised).
// The brokers make the client id the certificate's CN, so one identity is one session.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import mqtt from "mqtt";
import { describe, expect, it, onTestFinished } from "vitest";
import { TOOLS_IDENTITY } from "../scripts/lib/hub.ts";
import { PkiStore } from "../scripts/lib/pki-store.ts";
import { root } from "./support/cli.ts";
import { npmStart, waitForLine, type Started } from "./support/start.ts";

interface Tool {
  output: () => string;
  exited: Promise<number | null>;
}

/** A host tool run as a user runs it, with npm start's config and state. */
function tool(started: Started, script: string, args: string[]): Tool {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: {
      ...process.env,
      LATCHKEY_CONFIG: path.join(started.dir, "config.json"),
      LATCHKEY_STATE_DIR: started.stateDir,
      LATCHKEY_DIST: path.join(started.dir, "dist", "tool.js"),
      LATCHKEY_CA_PASSPHRASE: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { output: () => output, exited };
}

async function waitFor(what: () => string, pattern: RegExp, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(what())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function running(): Promise<Started> {
  const started = await npmStart(() => undefined);
  onTestFinished(() => started.cleanup());
  await waitForLine(started, /relay\/state OFF \(signed/);
  return started;
}

const retained = (started: Started) =>
  started
    .output()
    .split("\n")
    .filter((l) => / \(retained\)$/.test(l)).length;

describe("the tools beside npm start", () => {
  it("npm run command and npm run ota each succeed, and the live view keeps its session", async () => {
    const started = await running();
    // The view subscribed before the device connected: it saw no retained message. A session
    // taken over and made again would be given every retained message of the device.
    expect(retained(started)).toBe(0);

    const command = tool(started, "scripts/command/cli.ts", ["garage-door", "pulse"]);
    expect(await command.exited, command.output()).toBe(0);
    expect(command.output()).toMatch(/garage-door: PULSE done/);

    const ota = tool(started, "scripts/ota/cli.ts", ["garage-door", "--version", "0.1.1", "--confirm-s", "10"]);
    expect(await ota.exited, `${ota.output()}\n${started.output()}`).toBe(0);
    expect(ota.output()).toMatch(/ota: garage-door runs 0\.1\.1: sent in .* confirmed after/);

    // The view saw the tools' traffic live, and was not given the retained messages again.
    await waitForLine(started, /update +│ /);
    expect(retained(started)).toBe(0);
    started.child.kill("SIGINT");
    expect((await started.exited).code).toBe(130);
  }, 180000);

  it("a tool whose session is taken over before it is done says so and exits non-zero", async () => {
    const started = await running();
    const ota = tool(started, "scripts/ota/cli.ts", ["garage-door", "--version", "0.1.1", "--confirm-s", "10"]);
    await waitFor(ota.output, /ota: garage-door: \d+ bytes of 0\.1\.1 through/);
    // Another client with the tools' certificate: the broker closes the tool's session.
    const store = new PkiStore(started.stateDir);
    const dir = store.identityDir("hub", TOOLS_IDENTITY);
    const thief = await mqtt.connectAsync({
      host: "127.0.0.1",
      port: started.port,
      protocol: "mqtts",
      clientId: TOOLS_IDENTITY,
      ca: readFileSync(store.caCertFile),
      cert: readFileSync(`${dir}/cert.pem`),
      key: readFileSync(`${dir}/key.pem`),
      reconnectPeriod: 0,
    });
    onTestFinished(() => thief.endAsync());
    expect(await ota.exited, ota.output()).not.toBe(0);
    const lines = ota.output().trim().split("\n");
    expect(lines.at(-1)).toMatch(/^ota: the broker closed this tool's connection before it was done/);
    expect(ota.output()).not.toMatch(/runs 0\.1\.1/);
  }, 120000);
});
