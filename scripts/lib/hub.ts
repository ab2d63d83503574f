// The host tools' MQTT client (npm start, npm run command, npm run ota): the `tools` identity
// from the CA (a hub certificate of that name, which `npm start` makes), or `hub` when there
// is none. The broker makes every client id the certificate's CN, and two connections of one
// identity close each other, so the tools keep off the identity the running hub uses.
import { existsSync, readFileSync } from "node:fs";
import mqtt from "mqtt";
import { PkiStore } from "../pki/store.ts";

export const TOOLS_IDENTITY = "tools";

export async function connectAsHub(
  stateDir: string,
  host: string,
  port: number,
  reconnect: boolean,
  /** The profile's further brokers: a one-shot tool tries each in turn until one answers; with
   *  `reconnect`, mqtt.js moves to the next at each reconnect (as the hub does). */
  failover: { host: string; port: number }[] = [],
): Promise<mqtt.MqttClient> {
  const store = new PkiStore(stateDir);
  const name = existsSync(`${store.identityDir("hub", TOOLS_IDENTITY)}/cert.pem`) ? TOOLS_IDENTITY : "hub";
  const dir = store.identityDir("hub", name);
  if (!existsSync(`${dir}/cert.pem`))
    throw new Error(`no hub certificate: run npm start once, or npm run pki -- hub ${TOOLS_IDENTITY}`);
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
