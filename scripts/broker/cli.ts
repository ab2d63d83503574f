// `npm run broker [-- --embedded] [--port N]`: the project's broker in the foreground, with
// the policy generated from the CA. Ctrl-C stops it.
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { PassphraseError } from "../pki/keys.ts";
import { PkiError } from "../pki/store.ts";
import { startBroker } from "./start.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { embedded: { type: "boolean" }, port: { type: "string" }, host: { type: "string" } },
  });
  const config = projectConfig();
  const broker = await startBroker({
    stateDir: stateDir(config),
    prefix: config.device.topicPrefix,
    host: values.host ?? config.device.broker.host,
    port: values.port ? Number(values.port) : config.device.broker.port,
    embedded: values.embedded,
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
}

main().catch((error: unknown) => {
  const known = error instanceof PkiError || error instanceof PassphraseError || error instanceof ConfigError;
  const parse = (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
  if (!known && !parse) throw error;
  console.error(`broker: ${(error as Error).message}`);
  process.exit(1);
});
