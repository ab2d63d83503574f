// The RabbitMQ cluster as the project's broker: started from the CA in the state folder,
// recorded in `<stateDir>/broker/running.json` (running.ts) with this process as the one to
// signal, and re-applying the policy on EMBEDDED_RELOAD_SIGNAL, so `npm run pki -- revoke`
// and `issue` take effect on the running cluster. Each finished re-application bumps the
// record's `reloads`, which the revoking command waits for.
import { checkListen } from "./start.ts";
import { BrokerError } from "./errors.ts";
import { freePort } from "./mosquitto.ts";
import type { PolicyOptions } from "./policy.ts";
import { startRabbitCluster, type RabbitCluster } from "./rabbitmq.ts";
import { clearRunning, EMBEDDED_RELOAD_SIGNAL, recordRunning, type RunningRecord } from "./running.ts";

export interface RabbitStartOptions extends PolicyOptions {
  stateDir: string;
  prefix: string;
  host: string;
  /** The first node's MQTT port; node i listens on port + i. */
  port: number;
  nodes: number;
  /** The client-id guard in a process of its own (rabbitmq-guard.ts). */
  guardProcess?: boolean;
  onLog?: (text: string) => void;
}

export interface RunningRabbit {
  cluster: RabbitCluster;
  stop(): Promise<void>;
}

/** The first of `count` consecutive free loopback ports (the CLI's layout: node i on port + i). */
export async function consecutiveFreePorts(count: number): Promise<number> {
  for (;;) {
    const first = await freePort();
    if (first + count > 65535) continue;
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, (_, i) =>
        checkListen("127.0.0.1", first + i + 1).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (rest.every(Boolean)) return first;
  }
}

export async function startRabbitBroker(options: RabbitStartOptions): Promise<RunningRabbit> {
  const ports = Array.from({ length: options.nodes }, (_, i) => options.port + i);
  if (ports.at(-1)! > 65535) throw new BrokerError(`ports ${ports[0]}-${ports.at(-1)} do not all exist`);
  for (const port of ports) await checkListen(options.host, port);
  const cluster = await startRabbitCluster({ ...options, ports });
  const record: RunningRecord = {
    kind: "rabbitmq",
    pid: process.pid,
    host: options.host,
    port: options.port,
    prefix: options.prefix,
    conf: cluster.dir,
    reloadSignal: EMBEDDED_RELOAD_SIGNAL,
    owner: process.pid,
    reloads: 0,
  };
  let queue = Promise.resolve();
  const reload = () => {
    queue = queue.then(async () => {
      try {
        const gone = await cluster.applyPolicy();
        for (const name of gone) options.log?.(`RabbitMQ: deleted user '${name}' and closed its connections`);
      } catch (error) {
        options.log?.(`RabbitMQ: the policy was not applied: ${(error as Error).message}`);
      }
      record.reloads = (record.reloads ?? 0) + 1;
      await recordRunning(options.stateDir, record);
    });
  };
  process.on(EMBEDDED_RELOAD_SIGNAL, reload);
  await recordRunning(options.stateDir, record);
  return {
    cluster,
    async stop() {
      process.off(EMBEDDED_RELOAD_SIGNAL, reload);
      await queue;
      await cluster.stop();
      await clearRunning(options.stateDir, process.pid, options.port);
    },
  };
}
