// Bench-only entry: the whole MQTT layer (codec, session, backoff, TLS transport) and nothing
// else, so `npm run bench` can report what it adds to a bundle. Never flashed.
import { createEspruinoNetwork } from "../../firmware/hal/espruino/network";
import { Session } from "../../firmware/mqtt/session";
import { createBackoff, DEFAULT_BACKOFF } from "../../firmware/net/backoff";
import { tlsConnector } from "../../firmware/net/tls-transport";
import { BENCH_OPTIONS, benchEvents, benchTimers } from "./session-options";

const network = createEspruinoNetwork(
  (m) => console.log(m),
  () => undefined,
);
const connector = tlsConnector(
  network,
  benchTimers,
  {
    host: "b",
    port: 8883,
    ca: () => "",
    cert: () => "",
    key: () => "",
  },
  [{ host: "b", port: 8883 }],
);
const session: Session = new Session(
  connector,
  { now: () => Date.now() },
  benchTimers,
  BENCH_OPTIONS,
  createBackoff(DEFAULT_BACKOFF, Math.random),
  benchEvents(() => session.publish("t", "online", 1, true)),
);
session.subscribe("t/#", 1);
session.start();
