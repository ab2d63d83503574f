// The host's MQTT client with the `hub` identity from the CA (npm start, npm run command).
import { existsSync, readFileSync } from "node:fs";
import mqtt from "mqtt";
import { PkiStore } from "../pki/store.ts";

export async function connectAsHub(
  stateDir: string,
  host: string,
  port: number,
  reconnect: boolean,
): Promise<mqtt.MqttClient> {
  const store = new PkiStore(stateDir);
  const dir = store.identityDir("hub", "hub");
  if (!existsSync(`${dir}/cert.pem`)) throw new Error("no hub certificate: run npm start once, or npm run pki -- hub");
  return mqtt.connectAsync({
    host,
    port,
    protocol: "mqtts",
    ca: readFileSync(store.caCertFile),
    cert: readFileSync(`${dir}/cert.pem`),
    key: readFileSync(`${dir}/key.pem`),
    reconnectPeriod: reconnect ? 1000 : 0,
    connectTimeout: 5000,
  });
}
