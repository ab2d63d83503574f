// `npm run broker [-- --embedded] [--port N] [--host H]`: the project's broker in the
// foreground, with the policy generated from the CA. Ctrl-C (or closing the terminal) stops
// it. Bad input is one line and exit 1, checked before any file is written.
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { oneLine } from "../lib/one-line.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { PassphraseError } from "../pki/keys.ts";
import { askPassphrase } from "../pki/passphrase.ts";
import { PkiError } from "../pki/store.ts";
import { BrokerError } from "./errors.ts";
import { startBroker } from "./start.ts";

export function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new BrokerError(`--port must be a whole number from 1 to 65535, not '${text}'`);
  return port;
}

export function parseHost(text: string): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(text))
    throw new BrokerError(`--host must be a host name or IP address, not '${text}'`);
  return text;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { embedded: { type: "boolean" }, port: { type: "string" }, host: { type: "string" } },
  });
  const port = values.port === undefined ? undefined : parsePort(values.port);
  const host = values.host === undefined ? undefined : parseHost(values.host);
  const config = projectConfig();
  const broker = await startBroker({
    stateDir: stateDir(config),
    prefix: config.device.topicPrefix,
    host: host ?? config.device.broker.host,
    port: port ?? config.device.broker.port,
    embedded: values.embedded,
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
}

main().catch((error: unknown) => {
  const known =
    error instanceof PkiError ||
    error instanceof PassphraseError ||
    error instanceof ConfigError ||
    error instanceof BrokerError;
  const parse = (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
  if (!known && !parse) throw error;
  console.error(`broker: ${oneLine((error as Error).message, parse === true)}`);
  process.exit(1);
});
