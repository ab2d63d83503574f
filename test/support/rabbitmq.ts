// The RabbitMQ cluster for tests: started once per test file (a node takes several seconds to
// boot), recorded in the state folder like `npm run broker -- --rabbitmq` does, so that
// `npm run pki -- revoke` reaches it, and stopped with everything it started.
import { rabbitmqPath } from "../../scripts/broker/rabbitmq.ts";
import { consecutiveFreePorts, startRabbitBroker, type RunningRabbit } from "../../scripts/broker/rabbitmq-start.ts";

/** RabbitMQ is required where .ci/run says so; elsewhere its tests are skipped, loudly. */
export function rabbitmqMissing(): boolean {
  if (rabbitmqPath()) return false;
  if (process.env.LATCHKEY_REQUIRE_RABBITMQ) {
    throw new Error("rabbitmq-server is not installed: apt-get install -y rabbitmq-server (or run .ci/run)");
  }
  console.warn("rabbitmq-server not installed: skipping the tests against a RabbitMQ cluster");
  return true;
}

export interface TestRabbit extends RunningRabbit {
  /** The MQTT TLS port of node i (wrapping around). */
  port(i: number): number;
  /** Milliseconds the cluster took to start. */
  startMs: number;
}

export async function startTestRabbit(stateDir: string, prefix: string, nodes: number): Promise<TestRabbit> {
  const started = Date.now();
  const running = await startRabbitBroker({
    stateDir,
    prefix,
    host: "127.0.0.1",
    port: await consecutiveFreePorts(nodes),
    nodes,
    log: () => undefined,
  });
  return {
    ...running,
    startMs: Date.now() - started,
    port: (i) => running.cluster.nodes[i % nodes].mqttPort,
  };
}
