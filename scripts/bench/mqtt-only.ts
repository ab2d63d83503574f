// Bench-only entry: the mqtt/ layer alone (codec and session) over a trivial link, so the
// bench can say what mqtt/ costs apart from net/ and the TLS hal. Never flashed.
import { Session } from "../../firmware/mqtt/session";
import type { Backoff } from "../../firmware/net/backoff";
import type { Connector } from "../../firmware/net/transport";
import { BENCH_OPTIONS, benchEvents, benchTimers } from "./session-options";

const connector: Connector = (handlers) => ({ write: (data) => console.log(data), close: () => handlers.close() });
const backoff = { next: () => 1000, reset: () => undefined } as unknown as Backoff;
const session: Session = new Session(
  connector,
  { now: () => Date.now() },
  benchTimers,
  BENCH_OPTIONS,
  backoff,
  benchEvents(() => session.publish("t", "online", 1, true)),
);
session.subscribe("t/#", 1);
session.start();
