// Bench-only entry: the whole MQTT layer (codec, session, backoff, TLS transport) and nothing
// else, so `npm run bench` can report what it adds to a bundle. Never flashed.
import { Session } from "../../firmware/mqtt/session";
import { Backoff, DEFAULT_BACKOFF } from "../../firmware/net/backoff";
import { tlsConnector } from "../../firmware/net/tls-transport";
import { createEspruinoNetwork } from "../../firmware/hal/espruino/network";

const network = createEspruinoNetwork((m) => console.log(m));
const timers = {
  set: (f: () => void, ms: number) => setTimeout(f, ms),
  clear: (h: unknown) => clearTimeout(h as number),
};
const connector = tlsConnector(network, timers, {
  host: "b",
  port: 8883,
  ca: () => "",
  cert: () => "",
  key: () => "",
});
const session = new Session(
  connector,
  { now: () => Date.now() },
  timers,
  {
    clientId: "d",
    cleanSession: true,
    keepaliveSeconds: 30,
    connectTimeoutMs: 15000,
    maxPacketBytes: 4096,
    maxInflight: 8,
    maxInflightBytes: 4096,
    healthyMs: 60000,
    will: { topic: "t", payload: "offline", qos: 1, retain: true },
  },
  new Backoff(DEFAULT_BACKOFF, Math.random),
  {
    connected: () => session.publish("t", "online", 1, true),
    disconnected: (reason) => console.log(reason),
    message: (topic, payload) => console.log(topic, payload),
    warning: (w) => console.log(w),
  },
);
session.subscribe("t/#", 1);
session.start();
