// `npm run fleet -- --devices N [--broker mosquitto|embedded|rabbitmq] [--handshake-ms MS]`: N
// simulated devices, each the real built bundle with its own certificate and command key,
// against a broker of their own CA (scripts/fleet/fleet.ts; rabbitmq: a 3-node cluster).
// Prints the connected count and the memory per device every second until Ctrl-C, which stops
// everything.
import { runTool } from "../lib/cli.ts";
import { ArgumentError } from "../lib/errors.ts";
import { rssMiB, startFleet } from "./fleet.ts";

const USAGE = "usage: npm run fleet -- --devices N [--broker mosquitto|embedded|rabbitmq] [--handshake-ms MS]";

runTool(
  "fleet",
  {
    options: {
      devices: { type: "string" },
      broker: { type: "string", default: "mosquitto" },
      "handshake-ms": { type: "string", default: "0" },
    },
    usage: USAGE,
  },
  async ({ values }) => {
    const devices = Number(values.devices);
    if (!Number.isInteger(devices) || devices < 1 || devices > 2000)
      throw new ArgumentError(`--devices must be a whole number from 1 to 2000 (${USAGE})`);
    if (values.broker !== "mosquitto" && values.broker !== "embedded" && values.broker !== "rabbitmq")
      throw new ArgumentError(`--broker must be mosquitto, embedded or rabbitmq, not '${values.broker}'`);
    const handshakeMs = Number(values["handshake-ms"]);
    if (!Number.isInteger(handshakeMs) || handshakeMs < 0)
      throw new ArgumentError("--handshake-ms must be a whole number");
    const started = Date.now();
    const fleet = await startFleet({
      devices,
      broker: values.broker,
      handshakeMs,
      log: (l) => console.log(`fleet: ${l}`),
    });
    const timer = setInterval(() => {
      const rss = rssMiB(process.pid) ?? 0;
      console.log(
        `fleet: ${fleet.connected()} of ${devices} connected after ${((Date.now() - started) / 1000).toFixed(0)} s; this process ${rss.toFixed(0)} MiB (${((rss - fleet.bootRss) / devices).toFixed(2)} MiB per device); broker ${fleet.broker.rss()?.toFixed(0) ?? "?"} MiB`,
      );
    }, 1000);
    const stop = () => {
      clearInterval(timer);
      void fleet.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  },
);
