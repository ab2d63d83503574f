// `npm run broker [-- --embedded] [--port N] [--host H] [--profiles DIR]`: the project's broker
// in the foreground, with the policy generated from the CA and its queues sized for the fleet
// (the project's device and the profiles in DIR). Ctrl-C (or closing the terminal) stops
// it. Bad input is one line and exit 1, checked before any file is written.
import { hostOption, portOption, runTool } from "../lib/cli.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { askPassphrase } from "../pki/passphrase.ts";
import { hubProfiles } from "../hub/profiles.ts";
import { retainedPerDevice } from "./sizing.ts";
import { startBroker } from "./start.ts";

const USAGE = "usage: npm run broker -- [--embedded] [--port N] [--host H] [--profiles DIR]";

runTool(
  "broker",
  {
    options: {
      embedded: { type: "boolean" },
      port: { type: "string" },
      host: { type: "string" },
      profiles: { type: "string", multiple: true, default: [] },
    },
    usage: USAGE,
  },
  async ({ values }) => {
    const port = values.port === undefined ? undefined : portOption(values.port);
    const host = values.host === undefined ? undefined : hostOption(values.host);
    const config = projectConfig();
    // The queues are sized for the largest profile served (sizing.ts).
    const profiles = hubProfiles(config, [], values.profiles);
    const broker = await startBroker({
      stateDir: stateDir(config),
      prefix: config.device.topicPrefix,
      host: host ?? config.device.broker.host,
      port: port ?? config.device.broker.port,
      embedded: values.embedded,
      retainedPerDevice: retainedPerDevice(profiles),
      askPassphrase,
      log: (line) => console.log(line),
      onLog: (text) => process.stdout.write(text),
    });
    console.log(
      `${broker.kind === "mosquitto" ? "Mosquitto" : "embedded broker (aedes)"} listening on ${broker.host}:${broker.port} (mutual TLS, ACL from the CA); Ctrl-C stops it`,
    );
    const stop = () => {
      void broker.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    process.on("SIGHUP", stop);
  },
);
