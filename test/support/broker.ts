// The broker harness every end-to-end test uses: a broker on a free loopback port, readiness
// by probing the port, a stop that always ends it (same port kept for a restart), and its log
// printed only when a test failed (printLogOnFailure).
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import {
  commonConfig,
  freePort,
  mosquittoPath,
  runMosquitto,
  type MosquittoProcess,
} from "../../scripts/broker/mosquitto.ts";
import type { PolicyOptions } from "../../scripts/broker/policy.ts";
import { startBroker, type RunningBroker } from "../../scripts/broker/start.ts";

export { freePort, mosquittoPath };

/** Mosquitto is required where .ci/run says so; elsewhere its tests are skipped, loudly. */
export function mosquittoMissing(): boolean {
  if (mosquittoPath()) return false;
  if (process.env.LATCHKEY_REQUIRE_MOSQUITTO) {
    throw new Error("mosquitto is not installed: apt-get install -y mosquitto (or run .ci/run)");
  }
  console.warn("mosquitto not installed: skipping the tests against a real Mosquitto");
  return true;
}

export interface Broker {
  kind: string;
  host: string;
  port: number;
  log(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT (Mosquitto only): a broker that stops answering without closing. */
  freeze(): void;
  thaw(): void;
}

/** A plain-TCP Mosquitto with `listenerConfig(port)` as its listener block. */
export async function startMosquitto(listenerConfig: (port: number) => string): Promise<Broker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-mosquitto-"));
  const port = await freePort();
  const conf = path.join(dir, "mosquitto.conf");
  await writeFile(conf, [...commonConfig(), listenerConfig(port)].join("\n") + "\n");
  let proc: MosquittoProcess | undefined;
  let earlier = "";
  const broker: Broker = {
    kind: "mosquitto",
    host: "127.0.0.1",
    port,
    log: () => earlier + (proc?.log() ?? ""),
    async start() {
      if (proc?.running()) return;
      earlier += proc?.log() ?? "";
      proc = await runMosquitto(conf, "127.0.0.1", port);
    },
    stop: async () => proc?.stop(),
    freeze: () => proc?.signal("SIGSTOP"),
    thaw: () => proc?.signal("SIGCONT"),
  };
  await broker.start();
  return broker;
}

/** The project's broker (policy from the CA in `stateDir`), Mosquitto or embedded. */
export async function startProjectBroker(
  stateDir: string,
  prefix: string,
  embedded: boolean,
  policy: PolicyOptions = {},
): Promise<Broker> {
  const port = await freePort();
  let running: RunningBroker | undefined;
  let earlier = "";
  const broker: Broker = {
    kind: embedded ? "embedded" : "mosquitto",
    host: "127.0.0.1",
    port,
    log: () => earlier + (running?.log() ?? ""),
    async start() {
      if (running) return;
      running = await startBroker({ ...policy, stateDir, prefix, host: "127.0.0.1", port, embedded });
    },
    async stop() {
      const r = running;
      running = undefined;
      if (!r) return;
      earlier += r.log();
      await r.stop();
    },
    freeze: () => running?.signal("SIGSTOP"),
    thaw: () => running?.signal("SIGCONT"),
  };
  await broker.start();
  return broker;
}

/** Registers an afterEach that prints the brokers' logs, only for a failed test. */
export function printLogOnFailure(brokers: () => (Broker | undefined)[]): void {
  afterEach((context) => {
    if (context.task.result?.state !== "fail") return;
    for (const broker of brokers()) {
      if (broker) console.error(`--- ${broker.kind} broker log (port ${broker.port}) ---\n${broker.log()}`);
    }
  });
}
