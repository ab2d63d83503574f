// Which topic goes where (toitware/mqtt's router, src/router.toit): the device's routes and
// the results they answer with. A signed route takes the verified command text, and every
// message on its topic gets one signed result on <root>/result (commands.ts, results.ts). A
// plain route (nonce/get, state/get, otadata/set) takes the payload of a live message and
// never a retained one: a retained nonce/get would hand out a nonce at every reconnect for
// nobody. The routes are a list, not an object keyed by topic: a rogue broker chooses the
// topic ("constructor").
import type { Platform } from "../../hal/platform";
import { createNonces } from "./auth";
import { handleCommand, signedGate, type Outcome } from "./commands";
import { createResults } from "./results";
import type { DeviceTopics } from "./topics";

export interface Route {
  topic: string;
  /** Signed: the verified command text, returning what was done. Plain: the payload. */
  action: (text: string) => Outcome | void;
  /** Set on a plain route. */
  plain?: boolean;
}

export interface Router {
  /** The session's message handler: a topic no route has is ignored. */
  message(topic: string, payload: string, retained: boolean): void;
  /** Publishes the nonce now, or once at the end of the current gap (results.ts). */
  offerNonce(): void;
}

/** The router over `routes` (nonce/get is added here); `publish` sends a nonce or a result,
 *  QoS 1, not retained, and says why not or undefined. */
export function startRouter(
  platform: Platform,
  topics: DeviceTopics,
  mac: (text: string) => string,
  freshnessMs: number,
  routes: Route[],
  publish: (topic: string, payload: string) => string | undefined,
): Router {
  const nonces = createNonces(platform.clock.now, platform.random, freshnessMs);
  const gate = signedGate(mac, nonces);
  const results = createResults(
    mac,
    platform.sha256,
    nonces,
    platform.clock.now,
    platform.timers,
    platform.log,
    (nonce, payload) => publish(nonce ? topics.nonce : topics.result, payload),
  );
  routes.push({ topic: topics.nonceGet, action: results.offerNonce, plain: true });
  return {
    offerNonce: results.offerNonce,
    message: (topic, payload, retained) => {
      for (let i = 0; i < routes.length; i++) {
        const route = routes[i];
        if (route.topic !== topic) continue;
        if (!route.plain)
          results.answer(
            topic,
            payload,
            handleCommand(gate, topic, payload, retained, route.action as (text: string) => Outcome),
          );
        else if (!retained) route.action(payload);
        return;
      }
    },
  };
}
