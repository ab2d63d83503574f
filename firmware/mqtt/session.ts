// The MQTT 3.1.1 client session: one link at a time, reconnecting forever through the
// Backoff until stop(). Up means CONNACK 0 arrived, never merely "socket connected" (the TLS
// socket's 'connect' proves nothing on Espruino, docs/espruino.md). It holds the session state
// of section 4.1 itself: QoS 1 messages awaiting PUBACK (sent again after a reconnect, with
// DUP [MQTT-3.3.1-1], [MQTT-4.4.0-1]), SUBSCRIBEs awaiting SUBACK, and what to subscribe to
// again when a reconnect lost the broker's session. Everything it owns is bounded: the
// decoder by maxPacketBytes, outgoing QoS 1 by maxInflight and maxInflightBytes.
// Topics and filters are taken as valid: the device builds them from names its profile check
// allows (app/profile/profile-check.ts), once; host code checks what it encodes (codec/checks.ts).
// Keepalive (section 3.1.2.10): a PINGREQ when nothing was sent for a whole period, and the
// link declared dead when its PINGRESP does not come within min(period, 10 s) (section 3.12.4),
// on one timer re-armed from the time of the last write rather than on every write.
// One closure rather than a class: its state is local variables, which the minifier renames,
// where every `this.` stays in the bundle (and in RAM on Espruino, which keeps code as text).
import type { Clock, Timers, TimerHandle } from "../hal/time";
import type { Backoff } from "../net/backoff";
import type { Connector, LinkError, Transport } from "../net/transport";
import { fromCharCode } from "./codec/bytes";
import { Decoder } from "./codec/decoder";
import { decodeFromBroker } from "./codec/decode";
import { connectBody, encodePublish, encodeSubscribe, frame } from "./codec/encode";
import {
  CONNACK,
  PACKET_NAMES,
  PINGRESP,
  PUBACK,
  PUBLISH,
  SUBACK,
  SUBACK_FAILURE,
  type Packet,
  type Subscription,
} from "./codec/packets";
import type { Session as SessionApi, SessionEvents, SessionOptions } from "./session-api";
import { DISCONNECT_PACKET, PINGREQ_PACKET, REFUSALS, type Held } from "./session-wire";

export type { SessionEvents, SessionOptions } from "./session-api";
export type Session = SessionApi;

const PROTOCOL = "protocol error: ";
const FULL = "in-flight store full (";

function createSession(
  connector: Connector,
  clock: Clock,
  timers: Timers,
  options: SessionOptions,
  backoff: Backoff,
  events: SessionEvents,
): Session {
  const maxInflight = options.maxInflight;
  const maxPacketBytes = options.maxPacketBytes;
  const maxInflightBytes = options.maxInflightBytes;
  const connectTimeoutMs = options.connectTimeoutMs;
  const decoder = new Decoder(maxPacketBytes, decodeFromBroker);
  let link: Transport | undefined;
  /** Bumped for every link, so handlers of a dead link are ignored. */
  let generation = 0;
  let up = false;
  let stopped = true;
  let failure: LinkError | undefined;
  let connectedAt = 0;
  let lastId = 0;
  /** QoS 1 messages awaiting PUBACK, oldest first, and the bytes they hold. */
  let held: Held[] = [];
  let heldBytes = 0;
  /** Every subscription, restored when a reconnect lost the broker's session. */
  let wanted: Subscription[] = [];
  /** The filters of each SUBSCRIBE awaiting its SUBACK, by packet id. */
  let pending: { [id: string]: string[] } = {};
  /** QoS 1 packet ids (their two bytes) delivered on this link, newest last (at most 8): a DUP
   *  redelivery of one is not passed on again ([MQTT-4.3.2]: the receiver may see duplicates). */
  let delivered: string[] = [];
  /** Timer handles are set to undefined the moment they fire or are cleared: Espruino hands a
   *  freed id to the next timer at once, so a stale clear would cancel someone else's timer
   *  (src/jsinteractive.c, jsiTimerAdd). */
  let connectTimer: TimerHandle;
  let retryTimer: TimerHandle;
  let pingTimer: TimerHandle;
  let pongTimer: TimerHandle;
  let lastSent = 0;
  const periodMs = options.keepaliveSeconds * 1000;
  // Assigned once below; declared first because the closures refer to each other in a cycle
  // (Espruino does not hoist functions, so each is defined before it is first called).
  // eslint-disable-next-line prefer-const
  let open: () => void;

  const send = (bytes: string) => {
    if (!link) return;
    lastSent = clock.now();
    link.write(bytes);
  };
  /** Ends the current link for `reason` (the first reason given wins); close follows. */
  const drop = (reason: string, handshake?: boolean) => {
    if (!failure) failure = { reason, handshake };
    up = false;
    decoder.reset();
    if (link) link.close();
  };
  const pong = () => {
    timers.clear(pongTimer);
    pongTimer = undefined;
  };
  /** Arms the keepalive to look again in `delay` ms; a negative delay stops it. */
  const ping = (delay: number) => {
    timers.clear(pingTimer);
    pingTimer = undefined;
    if (periodMs && delay >= 0)
      pingTimer = timers.set(() => {
        pingTimer = undefined;
        const idle = clock.now() - lastSent;
        if (idle < periodMs) return ping(periodMs - idle);
        send(PINGREQ_PACKET);
        const wait = Math.min(periodMs, 10000);
        if (pongTimer === undefined)
          pongTimer = timers.set(() => {
            pongTimer = undefined;
            drop("no PINGRESP within " + wait / 1000 + " s");
          }, wait);
        ping(periodMs);
      }, delay);
  };
  const clearRetry = () => {
    timers.clear(retryTimer);
    retryTimer = undefined;
  };
  const clearConnectTimer = () => {
    timers.clear(connectTimer);
    connectTimer = undefined;
  };
  const isHeld = (id: number) => held.some((h) => h.id === id);
  const nextId = () => {
    // Ids 1..65535, skipping any still awaiting an acknowledgement [MQTT-2.3.1-2].
    do lastId = (lastId % 65535) + 1;
    while (pending[lastId] || isHeld(lastId));
    return lastId;
  };
  const sendSubscribe = (list: Subscription[]) => {
    const id = nextId();
    pending[id] = list.map((s) => s.filter);
    send(encodeSubscribe(id, list));
  };
  const onPacket = (packet: Packet) => {
    const type = packet.type;
    if (type === CONNACK && !up) {
      clearConnectTimer();
      const code = packet.returnCode;
      if (code) drop("broker refused the connection: " + REFUSALS[code] + " (CONNACK " + code + ")", code > 3);
      else {
        up = true;
        connectedAt = clock.now();
        if (!packet.sessionPresent && wanted.length) sendSubscribe(wanted);
        held.forEach((h) => {
          if (h.sent_) h.wire_ = fromCharCode(h.wire_.charCodeAt(0) | 8) + h.wire_.substr(1);
          h.sent_ = true;
          send(h.wire_);
        });
        ping(periodMs);
        events.connected(packet.sessionPresent);
      }
    } else if (!up) drop(PROTOCOL + PACKET_NAMES[type] + " before CONNACK [MQTT-3.2.0-1]");
    else if (type === PUBACK) {
      // The acknowledged message leaves the in-flight store, and its bytes with it.
      held = held.filter((h) => {
        if (h.id !== packet.id) return true;
        heldBytes -= h.wire_.length;
        return false;
      });
    } else if (type === SUBACK) {
      // Every subscription is a command topic: connected but deaf is worse than retrying.
      const filters = pending[packet.id] || [];
      delete pending[packet.id];
      const refused = filters.filter((_f, i) => packet.granted[i] === SUBACK_FAILURE);
      if (refused.length) drop("subscription refused: " + refused.join(", "));
    } else if (type === PINGRESP) pong();
    // The decoder lets through a broker's packets only: a second CONNACK is what is left.
    else if (type === CONNACK) drop(PROTOCOL + "CONNACK again");
  };
  /** A PUBLISH from the decoder: `first` its first byte (bit 3 DUP, bit 1 QoS 1, bit 0
   *  RETAIN), `id` its packet id's two bytes at QoS 1. */
  const onPublish = (topic: string, payload: string, first: number, id: string) => {
    // Before CONNACK a PUBLISH is refused as any other packet is.
    if (!up) return onPacket({ type: PUBLISH } as Packet);
    const qos = first & 2;
    if (!qos || first < 56 || delivered.indexOf(id) < 0) {
      if (qos && delivered.push(id) > 8) delivered.shift();
      events.message(topic, payload, !!(first & 1));
    }
    // PUBACK (section 3.4): 0x40, remaining length 2, the packet id.
    if (qos && !failure) send("@\x02" + id);
  };
  const onClose = () => {
    clearConnectTimer();
    ping(-1);
    pong();
    const why = failure || { reason: "connection closed" + (up ? " by the broker" : "") };
    up = false;
    link = undefined;
    if (connectedAt && clock.now() - connectedAt >= options.healthyMs) backoff.reset();
    connectedAt = 0;
    let delay = -1;
    if (!stopped) {
      delay = backoff.next(why.handshake === true);
      retryTimer = timers.set(() => {
        retryTimer = undefined;
        open();
      }, delay);
    }
    events.disconnected(why.reason, delay);
  };
  open = () => {
    // A timer of a link not yet closed (stop() then start()) must not drop this one.
    clearConnectTimer();
    const current = ++generation;
    failure = undefined;
    up = false;
    decoder.reset();
    delivered = [];
    pending = {};
    link = connector({
      data: (chunk: string) => {
        // A link the session has given up on may still deliver bytes until its socket
        // closes (up to the transport's close grace): none of them is acted on.
        if (current !== generation || failure) return;
        const problem = decoder.push(chunk, onPacket, onPublish);
        if (problem !== undefined) drop(PROTOCOL + problem);
      },
      error: (error: LinkError) => {
        if (current === generation && !failure) failure = error;
      },
      close: () => {
        if (current === generation) onClose();
      },
    });
    // CONNECT goes out at once: Espruino queues it until the TLS handshake ends (docs/espruino.md).
    send(frame(0x10, connectBody(options, periodMs / 1000)));
    connectTimer = timers.set(() => {
      connectTimer = undefined;
      drop("no CONNACK within " + connectTimeoutMs / 1000 + " s");
    }, connectTimeoutMs);
  };

  return {
    get connected() {
      return up;
    },
    get inflightCount() {
      return held.length;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      open();
    },
    stop() {
      stopped = true;
      clearRetry();
      if (up) send(DISCONNECT_PACKET);
      drop("stopped");
    },
    retryNow() {
      if (stopped || link) return;
      clearRetry();
      open();
    },
    publish(topic, payload, qos, retain) {
      if (!qos && !up) return "not connected: " + topic + " dropped (QoS 0)";
      if (qos && held.length >= maxInflight) return FULL + maxInflight + " messages)";
      const id = qos ? nextId() : undefined;
      const bytes = encodePublish(topic, payload, qos, retain, id);
      const length = bytes.length;
      if (length > maxPacketBytes) return topic + ": " + length + " bytes, over maxPacketBytes";
      if (id === undefined) send(bytes);
      else {
        if (heldBytes + length > maxInflightBytes) {
          return FULL + heldBytes + " of " + maxInflightBytes + " bytes)";
        }
        held.push({ id, wire_: bytes, sent_: up });
        heldBytes += length;
        if (up) send(bytes);
      }
      return undefined;
    },
    subscribe(filter, qos) {
      const subscription = { filter, qos };
      wanted = wanted.filter((s) => s.filter !== filter);
      wanted.push(subscription);
      if (up) sendSubscribe([subscription]);
    },
  };
}

/** `new Session(...)`: the closure above (a function that returns an object is a valid
 *  constructor, on Espruino as in any JavaScript). */
export const Session = createSession as unknown as new (...args: Parameters<typeof createSession>) => Session;
