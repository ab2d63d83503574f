// The broker harness every end-to-end test uses: a real Mosquitto on a free loopback port,
// readiness by probing the port, a stop that always kills it, and its log kept for printing
// only when a test failed (see printLogOnFailure).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const MOSQUITTO_PATHS = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export function mosquittoPath(): string | undefined {
  return MOSQUITTO_PATHS.find((p) => existsSync(p));
}

/** Mosquitto is required where .ci/run says so; elsewhere its tests are skipped, loudly. */
export function mosquittoMissing(): boolean {
  if (mosquittoPath()) return false;
  if (process.env.LATCHKEY_REQUIRE_MOSQUITTO) {
    throw new Error("mosquitto is not installed: apt-get install -y mosquitto (or run .ci/run)");
  }
  console.warn("mosquitto not installed: skipping the tests against a real Mosquitto");
  return true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    const dead = alive();
    if (dead) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Broker {
  host: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a broker that stops answering without closing anything. */
  freeze(): void;
  thaw(): void;
}

/**
 * Starts Mosquitto with `listenerConfig(port)` (the listener block and its options). The
 * same port is kept across stop()/start(), so a device can reconnect to a restarted broker.
 */
export async function startMosquitto(listenerConfig: (port: number) => string): Promise<Broker> {
  const binary = mosquittoPath();
  if (!binary) throw new Error("mosquitto is not installed");
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-mosquitto-"));
  const port = await freePort();
  const configFile = path.join(dir, "mosquitto.conf");
  const user = os.userInfo().username;
  await writeFile(
    configFile,
    [
      `user ${user}`,
      "persistence false",
      "log_dest stderr",
      "log_type all",
      "per_listener_settings false",
      listenerConfig(port),
    ].join("\n") + "\n",
  );
  let child: ChildProcess | undefined;
  let log = "";
  let exited: string | undefined;
  const broker: Broker = {
    host: "127.0.0.1",
    port,
    log: () => log,
    async start() {
      if (child) return;
      exited = undefined;
      const proc = spawn(binary, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      proc.stdout.on("data", (d) => (log += d));
      proc.stderr.on("data", (d) => (log += d));
      proc.on("exit", (code, signal) => {
        exited = `mosquitto exited (${code ?? signal}):\n${log}`;
        if (child === proc) child = undefined;
      });
      await waitForPort(port, 10000, () => exited);
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = undefined;
      proc.kill("SIGCONT");
      const gone = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    },
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
  };
  await broker.start();
  return broker;
}

/** Registers an afterEach that prints the brokers' logs, only for a failed test. */
export function printLogOnFailure(brokers: () => (Broker | undefined)[]): void {
  afterEach((context) => {
    if (context.task.result?.state !== "fail") return;
    for (const broker of brokers()) {
      if (broker) console.error(`--- broker log (port ${broker.port}) ---\n${broker.log()}`);
    }
  });
}
