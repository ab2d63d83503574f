// `npm run broker [-- --embedded] [--port N] [--host H] [--profiles DIR]`: the project's broker
// in the foreground, with the policy generated from the CA and its queues sized for the fleet
// (the project's device and the profiles in DIR). Ctrl-C (or closing the terminal) stops
// it. Bad input is one line and exit 1, checked before any file is written.
// `--rabbitmq [--nodes N]`: a RabbitMQ cluster of N nodes (3 by default) on ports N..N+n-1;
// `--rabbitmq --config-only DIR`: its files for real hosts, nothing started;
// `--client-id-guard`: only the guard every RabbitMQ host runs (rabbitmq-guard.ts).
import { ArgumentError } from "../lib/errors.ts";
import { hostOption, portOption, runTool, wholeNumber } from "../lib/cli.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { askPassphrase } from "../ca/passphrase.ts";
import { hubProfiles } from "../lib/profiles.ts";
import { exportRabbitConfig, GUARD_PORT } from "./rabbitmq-export.ts";
import { startGuard } from "./rabbitmq-guard.ts";
import { startRabbitBroker } from "./rabbitmq-start.ts";
import { retainedPerDevice } from "./sizing.ts";
import { startBroker } from "./start.ts";

const USAGE =
  "usage: npm run broker -- [--embedded | --rabbitmq [--nodes N] [--config-only DIR] | --client-id-guard] [--port N] [--host H] [--profiles DIR]";

runTool(
  "broker",
  {
    options: {
      embedded: { type: "boolean" },
      rabbitmq: { type: "boolean" },
      nodes: { type: "string" },
      "config-only": { type: "string" },
      "client-id-guard": { type: "boolean" },
      port: { type: "string" },
      host: { type: "string" },
      profiles: { type: "string", multiple: true, default: [] },
    },
    usage: USAGE,
  },
  async ({ values }) => {
    const port = values.port === undefined ? undefined : portOption(values.port);
    const host = values.host === undefined ? undefined : hostOption(values.host);
    const nodes = values.nodes === undefined ? 3 : wholeNumber(values.nodes, "--nodes", 1, 9);
    const chosen = [values.embedded, values.rabbitmq, values["client-id-guard"]].filter(Boolean).length;
    if (chosen > 1) throw new ArgumentError("choose one of --embedded, --rabbitmq and --client-id-guard");
    if (!values.rabbitmq && (values.nodes !== undefined || values["config-only"] !== undefined))
      throw new ArgumentError("--nodes and --config-only go with --rabbitmq");
    if (values["config-only"] === "") throw new ArgumentError("--config-only needs a folder");
    const stop = (what: () => Promise<void>) => {
      const handler = () => void what().then(() => process.exit(0));
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      process.on("SIGHUP", handler);
    };
    if (values["client-id-guard"]) {
      const guard = await startGuard(host ?? "127.0.0.1", port ?? GUARD_PORT, (line) => console.log(line));
      console.log(`client-id guard for RabbitMQ on http://${guard.host}:${guard.port}/; Ctrl-C stops it`);
      stop(guard.close);
      return;
    }
    const config = projectConfig();
    const common = {
      stateDir: stateDir(config),
      prefix: config.device.topicPrefix,
      askPassphrase,
      log: (line: string) => console.log(line),
    };
    if (values.rabbitmq && values["config-only"] !== undefined) {
      const dir = values["config-only"];
      const files = await exportRabbitConfig({ ...common, dir, nodes, port: port ?? config.device.broker.port });
      console.log(`wrote ${files.length} files for a ${nodes}-node RabbitMQ cluster to ${dir}; see ${dir}/README.md`);
      return;
    }
    if (values.rabbitmq) {
      const first = port ?? config.device.broker.port;
      const started = Date.now();
      const broker = await startRabbitBroker({
        ...common,
        host: host ?? config.device.broker.host,
        port: first,
        nodes,
        onLog: process.env.LATCHKEY_DEBUG ? (text) => process.stdout.write(text) : undefined,
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`RabbitMQ cluster of ${nodes} node(s) started in ${seconds} s (mutual TLS, policy from the CA):`);
      for (const node of broker.cluster.nodes)
        console.log(`  ${node.name}: MQTT over TLS on ${node.host}:${node.mqttPort}`);
      console.log("Ctrl-C stops every node");
      stop(broker.stop);
      return;
    }
    const broker = await startBroker({
      ...common,
      host: host ?? config.device.broker.host,
      port: port ?? config.device.broker.port,
      embedded: values.embedded,
      // The queues are sized for the largest profile served (sizing.ts).
      retainedPerDevice: retainedPerDevice(hubProfiles(config, [], values.profiles)),
      onLog: (text) => process.stdout.write(text),
    });
    console.log(
      `${broker.kind === "mosquitto" ? "Mosquitto" : "embedded broker (aedes)"} listening on ${broker.host}:${broker.port} (mutual TLS, ACL from the CA); Ctrl-C stops it`,
    );
    stop(broker.stop);
  },
);
