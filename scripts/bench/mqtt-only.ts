// Bench-only entry: the mqtt/ layer alone (codec and session) over a trivial link, so the
// bench can say what mqtt/ costs apart from net/ and the TLS hal. Never flashed.
import { Session } from "../../firmware/mqtt/session";
import type { Backoff } from "../../firmware/net/backoff";
import type { Connector } from "../../firmware/net/transport";

const connector: Connector = (handlers) => ({ write: (data) => console.log(data), close: () => handlers.close() });
const backoff = { next: () => 1000, reset: () => undefined } as unknown as Backoff;
const timers = {
  set: (f: () => void, ms: number) => setTimeout(f, ms),
  clear: (h: unknown) => clearTimeout(h as number),
};
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
  backoff,
  {
    connected: () => session.publish("t", "online", 1, true),
    disconnected: (reason) => console.log(reason),
    message: (topic, payload) => console.log(topic, payload),
    warning: (w) => console.log(w),
  },
);
session.subscribe("t/#", 1);
session.start();
