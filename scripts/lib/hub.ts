// The host tools' MQTT client (npm run command, ota, flash, repl; npm start's live view with
// its own identity): the `tools` identity from the CA (a hub certificate of that name, which
// `npm start` makes), or `hub` when there is none. The broker makes every client id the
// certificate's CN, and two connections of one identity close each other, so the tools keep
// off the identities the running hub and npm start's view use (identities.ts).
import { existsSync, readFileSync } from "node:fs";
import mqtt from "mqtt";
import path from "node:path";
import { describeError } from "./cli.ts";
import type { ProjectConfig } from "./config.ts";
import { NetworkError, PkiError, UserError } from "./errors.ts";
import { PkiStore } from "./pki-store.ts";
import { TOOLS_IDENTITY } from "./identities.ts";

export { TOOLS_IDENTITY };

export async function connectAsHub(
  stateDir: string,
  host: string,
  port: number,
  reconnect: boolean,
  /** The profile's further brokers: a one-shot tool tries each in turn until one answers; with
   *  `reconnect`, mqtt.js moves to the next at each reconnect (as the hub does). */
  failover: { host: string; port: number }[] = [],
  /** Another hub identity of the CA (npm start's view); by default `tools`, else `hub`. */
  identity: string = TOOLS_IDENTITY,
): Promise<mqtt.MqttClient> {
  const store = new PkiStore(stateDir);
  const name = existsSync(`${store.identityDir("hub", identity)}/cert.pem`) ? identity : "hub";
  const dir = store.identityDir("hub", name);
  if (!existsSync(`${dir}/cert.pem`))
    throw new PkiError(`no hub certificate: run npm start once, or npm run pki -- hub ${identity}`);
  const brokers = [{ host, port }, ...failover];
  const connect = (broker: { host: string; port: number }) =>
    mqtt.connectAsync({
      host: broker.host,
      port: broker.port,
      servers: reconnect && failover.length > 0 ? brokers : undefined,
      protocol: "mqtts",
      clientId: name,
      ca: readFileSync(store.caCertFile),
      cert: readFileSync(`${dir}/cert.pem`),
      key: readFileSync(`${dir}/key.pem`),
      reconnectPeriod: reconnect ? 1000 : 0,
      connectTimeout: 5000,
    });
  if (reconnect) return connect(brokers[0]!);
  let failure: unknown;
  for (const broker of brokers) {
    try {
      return await connect(broker);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** The broker `npm start` or `npm run broker` records as listening
 *  (`<stateDir>/broker/listening.json`), if one does. */
export function recordedBroker(stateDir: string): { host: string; port: number; file: string } | undefined {
  const file = path.join(stateDir, "broker", "listening.json");
  if (!existsSync(file)) return undefined;
  const { host, port } = JSON.parse(readFileSync(file, "utf8")) as { host: string; port: number };
  return { host, port, file };
}

/** A one-shot tool's connection (connectAsHub, no reconnect) to the recorded broker, else to
 *  the profile's and its failover brokers. A broker that does not answer is one line that
 *  names it (and, when it was recorded, that the record is stale). */
export async function connectTool(
  stateDir: string,
  config: ProjectConfig,
): Promise<{ client: mqtt.MqttClient; broker: string }> {
  const recorded = recordedBroker(stateDir);
  const { host, port } = recorded ?? config.device.broker;
  try {
    const client = await connectAsHub(stateDir, host, port, false, recorded ? [] : config.device.failover);
    return { client, broker: `${host}:${port}` };
  } catch (error) {
    if (error instanceof UserError) throw error;
    const start = "start it with npm start or npm run broker";
    throw new NetworkError(
      recorded
        ? `the broker recorded in ${recorded.file} (${host}:${port}) is not answering (${describeError(error)}): the file is stale; ${start}`
        : `no broker answers at ${host}:${port} (${describeError(error)}): ${start}`,
    );
  }
}

/**
 * Rejects when `client`'s connection closes before the tool ended it (client.end): the broker
 * took the session over (another connection with the same certificate) or went away. A
 * one-shot tool races its work against this, so it fails with one line instead of waiting
 * on answers that can no longer come, or exiting 0 when nothing is left to wait for.
 */
export function sessionLost(client: mqtt.MqttClient): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (!client.connected && !client.disconnecting) return reject(lostError(client));
    client.once("close", () => {
      if (!client.disconnecting) reject(lostError(client));
    });
  });
}

function lostError(client: mqtt.MqttClient): NetworkError {
  return new NetworkError(
    `the broker closed this tool's connection before it was done (another program connected with the '${client.options.clientId}' certificate and took its session over, or the broker stopped): its outcome was not confirmed`,
  );
}

/** Ends the tool's connection: cleanly (a DISCONNECT) while connected; at once when the broker
 *  already closed it (mqtt.js would wait for ever to send the DISCONNECT). */
export async function endSession(client: mqtt.MqttClient): Promise<void> {
  if (client.connected) await client.endAsync();
  else client.end(true);
}
