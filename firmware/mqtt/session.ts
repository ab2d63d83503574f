// The MQTT 3.1.1 client session: one link at a time, reconnecting forever through the
// Backoff until stop(). Up means CONNACK 0 arrived, never merely "socket connected" (the TLS
// socket's 'connect' proves nothing on Espruino, docs/espruino.md). Everything the session owns is
// bounded: the decoder by maxPacketBytes, outgoing QoS 1 by maxInflight. Written as one
// closure rather than a class: its state is local variables, which the minifier renames,
// where every `this.` stays in the bundle (and in RAM on Espruino, which keeps code as text).
import type { Clock, Timers, TimerHandle } from "../hal/time";
import type { Backoff } from "../net/backoff";
import type { Connector, LinkError, Transport } from "../net/transport";
import { Decoder } from "./codec/decoder";
import { decodeFromBroker } from "./codec/decode";
import { encodeAck, encodeConnect, encodeEmpty, encodePublish, encodeSubscribe } from "./codec/encode";
import { packetName } from "./codec/reader";
import {
  connackError,
  isAuthRefusal,
  CONNACK,
  CONNECT,
  DISCONNECT,
  PINGREQ,
  PINGRESP,
  PUBACK,
  PUBLISH,
  SUBACK,
  UNSUBACK,
  type Packet,
  type QoS,
  type Subscription,
  type Will,
} from "./codec/packets";
import { topicFilterError, topicNameError } from "./codec/topic";
import { createInflight } from "./inflight";
import { createKeepalive, type Keepalive } from "./keepalive";
import { createSubscriptions } from "./subscriptions";

export interface SessionOptions {
  clientId: string;
  /** false keeps the broker-side session (subscriptions, queued QoS 1) across links. */
  cleanSession: boolean;
  keepaliveSeconds: number;
  /** From connect() to CONNACK, TLS handshake included. */
  connectTimeoutMs: number;
  /** Largest packet accepted or sent, fixed header included. */
  maxPacketBytes: number;
  /** Most outgoing QoS 1 messages held unacknowledged, and most bytes they may take. */
  maxInflight: number;
  maxInflightBytes: number;
  /** A link that stayed up this long resets the backoff. */
  healthyMs: number;
  /** Last will: the broker publishes it if the link dies without DISCONNECT (section 3.1.2.5). */
  will?: Will;
  username?: string;
  password?: string;
}

export interface SessionEvents {
  connected(sessionPresent: boolean): void;
  /** `retryInMs` is -1 after stop(). */
  disconnected(reason: string, retryInMs: number): void;
  /** An application message. A QoS 1 redelivery (DUP) of a packet id already delivered on
   *  this link is not passed on again ([MQTT-4.3.2]: the receiver may see duplicates). */
  message(topic: string, payload: string, retain: boolean): void;
}

/** How many QoS 1 packet ids delivered on the current link are remembered for DUP checks. */
const REMEMBERED_IDS = 8;

export interface Session {
  readonly connected: boolean;
  /** Outgoing QoS 1 messages not yet acknowledged. */
  readonly inflightCount: number;
  start(): void;
  /** Sends DISCONNECT (so the broker discards the will, [MQTT-3.14.4-3]) and stays down. */
  stop(): void;
  /** Tries at once instead of waiting out the backoff (the network just came back). */
  retryNow(): void;
  /**
   * Publishes, or returns why not. QoS 0 needs the link up; QoS 1 is held (at most
   * maxInflight) and sent when the link is up, again after every reconnect until PUBACK.
   */
  publish(topic: string, payload: string, qos: QoS, retain: boolean): string | undefined;
  /** Subscribes now if up, and again after every reconnect that lost the broker session. */
  subscribe(filter: string, qos: QoS): string | undefined;
}

type SessionConstructor = new (
  connector: Connector,
  clock: Clock,
  timers: Timers,
  options: SessionOptions,
  backoff: Backoff,
  events: SessionEvents,
) => Session;

function createSession(
  connector: Connector,
  clock: Clock,
  timers: Timers,
  options: SessionOptions,
  backoff: Backoff,
  events: SessionEvents,
): Session {
  const decoder = new Decoder(options.maxPacketBytes, decodeFromBroker);
  const inflight = createInflight(options.maxInflight, options.maxInflightBytes);
  const subscriptions = createSubscriptions();
  let link: Transport | undefined;
  /** Bumped for every link, so handlers of a dead link are ignored. */
  let generation = 0;
  let up = false;
  let stopped = true;
  let failure: LinkError | undefined;
  let connectedAt = 0;
  let lastId = 0;
  /** QoS 1 packet ids delivered on this link, newest last (at most REMEMBERED_IDS). */
  let delivered: number[] = [];
  /** Timer handles are set to undefined the moment they fire or are cleared: Espruino hands a
   *  freed id to the next timer at once, so a stale clear would cancel someone else's timer
   *  (src/jsinteractive.c, jsiTimerAdd). */
  let connectTimer: TimerHandle;
  let retryTimer: TimerHandle;
  // Assigned once below; declared first because the closures refer to each other in a cycle
  // (Espruino does not hoist functions, so each is defined before it is first called).
  // eslint-disable-next-line prefer-const
  let keepalive: Keepalive;
  // eslint-disable-next-line prefer-const
  let open: () => void;

  const send = (bytes: string) => {
    if (!link) return;
    keepalive.sent();
    link.write(bytes);
  };
  /** Ends the current link for `error` (the first reason given wins); close follows. */
  const drop = (error: LinkError) => {
    if (!failure) failure = error;
    up = false;
    decoder.reset();
    if (link) link.close();
  };
  keepalive = createKeepalive(
    clock,
    timers,
    options.keepaliveSeconds * 1000,
    () => send(encodeEmpty(PINGREQ)),
    (reason) => drop({ reason }),
  );
  const clearRetry = () => {
    timers.clear(retryTimer);
    retryTimer = undefined;
  };
  const clearConnectTimer = () => {
    timers.clear(connectTimer);
    connectTimer = undefined;
  };
  const nextId = () => {
    // Per-instance ids 1..65535, skipping any still awaiting an acknowledgement [MQTT-2.3.1-2].
    do lastId = (lastId % 65535) + 1;
    while (inflight.has(lastId) || subscriptions.isPending(lastId));
    return lastId;
  };
  const sendSubscribe = (list: Subscription[]) => {
    const id = nextId();
    subscriptions.sent(id, list);
    send(encodeSubscribe(id, list));
  };
  const onConnack = (sessionPresent: boolean) => {
    up = true;
    connectedAt = clock.now();
    if (!sessionPresent && subscriptions.all.length > 0) sendSubscribe(subscriptions.all);
    inflight.sendAll(send);
    keepalive.start();
    events.connected(sessionPresent);
  };
  const onPacket = (packet: Packet) => {
    if (!up) {
      if (packet.type !== CONNACK) {
        drop({ reason: "protocol error: " + packetName(packet.type) + " before CONNACK [MQTT-3.2.0-1]" });
        return;
      }
      clearConnectTimer();
      const refusal = connackError(packet.returnCode);
      if (refusal !== undefined) drop({ reason: refusal, handshake: isAuthRefusal(packet.returnCode) });
      else onConnack(packet.sessionPresent);
      return;
    }
    if (packet.type === PUBLISH) {
      const id = packet.id as number;
      if (packet.qos === 0) events.message(packet.topic, packet.payload, packet.retain);
      else {
        if (!packet.dup || delivered.indexOf(id) < 0) {
          delivered.push(id);
          if (delivered.length > REMEMBERED_IDS) delivered.shift();
          events.message(packet.topic, packet.payload, packet.retain);
        }
        if (failure === undefined) send(encodeAck(0x40, id));
      }
    } else if (packet.type === PUBACK) inflight.ack(packet.id);
    else if (packet.type === SUBACK) {
      // Every subscription is a command topic: connected but deaf is worse than retrying.
      const refused = subscriptions.acked(packet.id, packet.granted);
      if (refused.length > 0) drop({ reason: "broker refused the subscription to " + refused.join(", ") });
    } else if (packet.type === PINGRESP) keepalive.pong();
    else if (packet.type !== UNSUBACK) drop({ reason: "protocol error: broker sent " + packetName(packet.type) });
  };
  const onData = (chunk: string) => {
    // A link the session has given up on may still deliver bytes until its socket closes
    // (up to the transport's close grace): none of them is acted on.
    if (failure !== undefined) return;
    const problem = decoder.push(chunk, onPacket);
    if (problem !== undefined) drop({ reason: "protocol error: " + problem });
  };
  const onClose = () => {
    clearConnectTimer();
    keepalive.stop();
    const wasUp = up;
    up = false;
    link = undefined;
    const why = failure || { reason: wasUp ? "connection closed by the broker" : "connection closed" };
    if (connectedAt > 0 && clock.now() - connectedAt >= options.healthyMs) backoff.reset();
    connectedAt = 0;
    if (stopped) {
      events.disconnected(why.reason, -1);
      return;
    }
    const delay = backoff.next(why.handshake === true);
    retryTimer = timers.set(() => {
      retryTimer = undefined;
      open();
    }, delay);
    events.disconnected(why.reason, delay);
  };
  open = () => {
    const current = ++generation;
    failure = undefined;
    up = false;
    decoder.reset();
    delivered = [];
    subscriptions.forgetPending();
    link = connector({
      data: (chunk: string) => {
        if (current === generation) onData(chunk);
      },
      error: (error: LinkError) => {
        if (current === generation && !failure) failure = error;
      },
      close: () => {
        if (current === generation) onClose();
      },
    });
    // CONNECT goes out at once: Espruino queues it until the TLS handshake ends (docs/espruino.md).
    send(
      encodeConnect({
        type: CONNECT,
        clientId: options.clientId,
        cleanSession: options.cleanSession,
        keepalive: options.keepaliveSeconds,
        will: options.will,
        username: options.username,
        password: options.password,
      }),
    );
    connectTimer = timers.set(() => {
      connectTimer = undefined;
      drop({ reason: "no CONNACK within " + options.connectTimeoutMs / 1000 + " s" });
    }, options.connectTimeoutMs);
  };

  return {
    get connected() {
      return up;
    },
    get inflightCount() {
      return inflight.size;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      open();
    },
    stop() {
      stopped = true;
      clearRetry();
      if (up) send(encodeEmpty(DISCONNECT));
      drop({ reason: "stopped by the device" });
    },
    retryNow() {
      if (stopped || link) return;
      clearRetry();
      open();
    },
    publish(topic, payload, qos, retain) {
      // One native regex pass for an ASCII topic (topic.ts); encodePublish does not check again.
      const problem = topicNameError(topic);
      if (problem !== undefined) return problem;
      if (qos === 0 && !up) return "not connected: QoS 0 message to " + topic + " dropped";
      if (qos === 1 && inflight.full) return "in-flight store full (" + inflight.capacity + " messages)";
      const id = qos === 1 ? nextId() : undefined;
      const bytes = encodePublish({ type: PUBLISH, topic, payload, qos, retain, dup: false, id });
      if (bytes.length > options.maxPacketBytes) {
        return "message to " + topic + " is " + bytes.length + " bytes, over maxPacketBytes";
      }
      if (id !== undefined && !inflight.fits(bytes.length)) {
        return "in-flight store full (" + inflight.bytes + " of " + inflight.maxBytes + " bytes)";
      }
      if (id === undefined) send(bytes);
      else {
        inflight.add(id, bytes);
        if (up) {
          inflight.markSent(id);
          send(bytes);
        }
      }
      return undefined;
    },
    subscribe(filter, qos) {
      const problem = topicFilterError(filter);
      if (problem !== undefined) return problem;
      subscriptions.want(filter, qos);
      if (up) sendSubscribe([{ filter, qos }]);
      return undefined;
    },
  };
}

/** `new Session(...)`: the closure above (a function that returns an object is a valid
 *  constructor, on Espruino as in any JavaScript). */
export const Session = createSession as unknown as SessionConstructor;
