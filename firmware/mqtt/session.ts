// The MQTT 3.1.1 client session: one link at a time, reconnecting forever through the
// Backoff until stop(). Up means CONNACK 0 arrived, never merely "socket connected" (the TLS
// socket's 'connect' proves nothing on Espruino, PLATFORM.md). Everything the session owns is
// bounded: the decoder by maxPacketBytes, outgoing QoS 1 by maxInflight.
import type { Clock, Timers, TimerHandle } from "../hal/time";
import type { Backoff } from "../net/backoff";
import type { Connector, LinkError, Transport } from "../net/transport";
import { Decoder } from "./codec/decoder";
import { packetName } from "./codec/decode";
import { encode } from "./codec/encode";
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
  SUBACK_FAILURE,
  SUBSCRIBE,
  UNSUBACK,
  type Packet,
  type QoS,
  type Subscription,
  type Will,
} from "./codec/packets";
import { topicFilterError, topicNameError } from "./codec/topic";
import { Inflight } from "./inflight";

export interface SessionOptions {
  clientId: string;
  /** false keeps the broker-side session (subscriptions, queued QoS 1) across links. */
  cleanSession: boolean;
  keepaliveSeconds: number;
  /** From connect() to CONNACK, TLS handshake included. */
  connectTimeoutMs: number;
  /** Largest packet accepted or sent, fixed header included. */
  maxPacketBytes: number;
  /** Most outgoing QoS 1 messages held unacknowledged. */
  maxInflight: number;
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
  message(topic: string, payload: string, retain: boolean): void;
  /** Something the app should know that does not end the link (a refused subscription). */
  warning(message: string): void;
}

export class Session {
  private readonly connector: Connector;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly options: SessionOptions;
  private readonly backoff: Backoff;
  private readonly events: SessionEvents;
  private readonly decoder: Decoder;
  private readonly inflight: Inflight;
  private subscriptions: Subscription[];
  /** SUBSCRIBE packets awaiting SUBACK, by packet id. */
  private pendingSubs: { [id: string]: string[] };
  private link: Transport | undefined;
  /** Bumped for every link, so handlers of a dead link are ignored. */
  private generation: number;
  private up: boolean;
  private stopped: boolean;
  private failure: LinkError | undefined;
  private connectedAt: number;
  private lastSent: number;
  private lastId: number;
  private connectTimer: TimerHandle;
  private pingTimer: TimerHandle;
  private pongTimer: TimerHandle;
  private retryTimer: TimerHandle;

  constructor(
    connector: Connector,
    clock: Clock,
    timers: Timers,
    options: SessionOptions,
    backoff: Backoff,
    events: SessionEvents,
  ) {
    this.connector = connector;
    this.clock = clock;
    this.timers = timers;
    this.options = options;
    this.backoff = backoff;
    this.events = events;
    this.decoder = new Decoder(options.maxPacketBytes);
    this.inflight = new Inflight(options.maxInflight);
    this.subscriptions = [];
    this.pendingSubs = {};
    this.generation = 0;
    this.up = false;
    this.stopped = true;
    this.connectedAt = 0;
    this.lastSent = 0;
    this.lastId = 0;
  }

  get connected(): boolean {
    return this.up;
  }

  /** Outgoing QoS 1 messages not yet acknowledged. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  /** Sends DISCONNECT (so the broker discards the will, [MQTT-3.14.4-3]) and stays down. */
  stop(): void {
    this.stopped = true;
    this.timers.clear(this.retryTimer);
    if (this.up) this.send(encode({ type: DISCONNECT }));
    this.drop({ reason: "stopped by the device" });
  }

  /**
   * Publishes, or returns why not. QoS 0 needs the link up; QoS 1 is held (at most
   * maxInflight) and sent when the link is up, again after every reconnect until PUBACK.
   */
  publish(topic: string, payload: string, qos: QoS, retain: boolean): string | undefined {
    const problem = topicNameError(topic);
    if (problem !== undefined) return problem;
    if (qos === 0 && !this.up) return "not connected: QoS 0 message to " + topic + " dropped";
    if (qos === 1 && this.inflight.full) return "in-flight store full (" + this.inflight.capacity + " messages)";
    const id = qos === 1 ? this.nextId() : undefined;
    const bytes = encode({ type: PUBLISH, topic, payload, qos, retain, dup: false, id });
    if (bytes.length > this.options.maxPacketBytes) {
      return "message to " + topic + " is " + bytes.length + " bytes, over maxPacketBytes";
    }
    if (id === undefined) this.send(bytes);
    else {
      this.inflight.add(id, bytes);
      if (this.up) {
        this.inflight.markSent(id);
        this.send(bytes);
      }
    }
    return undefined;
  }

  /** Subscribes now if up, and again after every reconnect that lost the broker session. */
  subscribe(filter: string, qos: QoS): string | undefined {
    const problem = topicFilterError(filter);
    if (problem !== undefined) return problem;
    this.subscriptions = this.subscriptions.filter((s) => s.filter !== filter);
    this.subscriptions.push({ filter, qos });
    if (this.up) this.sendSubscribe([{ filter, qos }]);
    return undefined;
  }

  private nextId(): number {
    // Per-instance ids 1..65535, skipping any still awaiting an acknowledgement [MQTT-2.3.1-2].
    do this.lastId = (this.lastId % 65535) + 1;
    while (this.inflight.has(this.lastId) || this.pendingSubs[this.lastId] !== undefined);
    return this.lastId;
  }

  private sendSubscribe(subscriptions: Subscription[]): void {
    const id = this.nextId();
    this.pendingSubs[id] = subscriptions.map((s) => s.filter);
    this.send(encode({ type: SUBSCRIBE, id, subscriptions }));
  }

  private send(bytes: string): void {
    if (!this.link) return;
    this.lastSent = this.clock.now();
    this.link.write(bytes);
  }

  private open(): void {
    const generation = ++this.generation;
    const options = this.options;
    this.failure = undefined;
    this.up = false;
    this.decoder.reset();
    this.pendingSubs = {};
    const handlers = {
      data: (chunk: string) => {
        if (generation === this.generation) this.onData(chunk);
      },
      error: (error: LinkError) => {
        if (generation === this.generation && !this.failure) this.failure = error;
      },
      close: () => {
        if (generation === this.generation) this.onClose();
      },
    };
    this.link = this.connector(handlers);
    // CONNECT goes out at once: Espruino queues it until the TLS handshake ends (PLATFORM.md).
    this.send(
      encode({
        type: CONNECT,
        clientId: options.clientId,
        cleanSession: options.cleanSession,
        keepalive: options.keepaliveSeconds,
        will: options.will,
        username: options.username,
        password: options.password,
      }),
    );
    this.connectTimer = this.timers.set(() => {
      this.drop({ reason: "no CONNACK within " + options.connectTimeoutMs / 1000 + " s" });
    }, options.connectTimeoutMs);
  }

  /** Ends the current link for `error` (the first reason given wins); close follows. */
  private drop(error: LinkError): void {
    if (!this.failure) this.failure = error;
    this.up = false;
    this.decoder.reset();
    if (this.link) this.link.close();
  }

  private onData(chunk: string): void {
    const problem = this.decoder.push(chunk, (packet) => this.onPacket(packet));
    if (problem !== undefined) this.drop({ reason: "protocol error: " + problem });
  }

  private onPacket(packet: Packet): void {
    if (!this.up) {
      if (packet.type !== CONNACK) {
        this.drop({ reason: "protocol error: " + packetName(packet.type) + " before CONNACK [MQTT-3.2.0-1]" });
        return;
      }
      this.timers.clear(this.connectTimer);
      const refusal = connackError(packet.returnCode);
      if (refusal !== undefined) {
        this.drop({ reason: refusal, handshake: isAuthRefusal(packet.returnCode) });
        return;
      }
      this.onConnack(packet.sessionPresent);
      return;
    }
    if (packet.type === PUBLISH) {
      this.events.message(packet.topic, packet.payload, packet.retain);
      if (packet.qos === 1 && this.up) this.send(encode({ type: PUBACK, id: packet.id as number }));
    } else if (packet.type === PUBACK) this.inflight.ack(packet.id);
    else if (packet.type === SUBACK) this.onSuback(packet.id, packet.granted);
    else if (packet.type === PINGRESP) {
      this.timers.clear(this.pongTimer);
      this.pongTimer = undefined;
    } else if (packet.type !== UNSUBACK) {
      this.drop({ reason: "protocol error: broker sent " + packetName(packet.type) });
    }
  }

  private onConnack(sessionPresent: boolean): void {
    this.up = true;
    this.connectedAt = this.clock.now();
    if (!sessionPresent && this.subscriptions.length > 0) this.sendSubscribe(this.subscriptions);
    this.inflight.sendAll((bytes) => this.send(bytes));
    this.armPing(this.options.keepaliveSeconds * 1000);
    this.events.connected(sessionPresent);
  }

  private onSuback(id: number, granted: number[]): void {
    const filters = this.pendingSubs[id];
    if (filters === undefined) return;
    delete this.pendingSubs[id];
    for (let i = 0; i < filters.length; i++) {
      if (granted[i] === SUBACK_FAILURE) this.events.warning("broker refused the subscription to " + filters[i]);
    }
  }

  /** PINGREQ when nothing was sent for a keepalive period (section 3.1.2.10). */
  private armPing(delay: number): void {
    const period = this.options.keepaliveSeconds * 1000;
    if (period <= 0) return;
    this.timers.clear(this.pingTimer);
    this.pingTimer = this.timers.set(() => {
      const idle = this.clock.now() - this.lastSent;
      if (idle < period) {
        this.armPing(period - idle);
        return;
      }
      this.send(encode({ type: PINGREQ }));
      if (this.pongTimer === undefined) {
        const wait = Math.min(period, 10000);
        this.pongTimer = this.timers.set(() => {
          this.drop({ reason: "no PINGRESP within " + wait / 1000 + " s: link presumed dead" });
        }, wait);
      }
      this.armPing(period);
    }, delay);
  }

  private onClose(): void {
    this.timers.clear(this.connectTimer);
    this.timers.clear(this.pingTimer);
    this.timers.clear(this.pongTimer);
    this.pongTimer = undefined;
    const wasUp = this.up;
    this.up = false;
    this.link = undefined;
    const failure = this.failure || { reason: wasUp ? "connection closed by the broker" : "connection closed" };
    if (this.connectedAt > 0 && this.clock.now() - this.connectedAt >= this.options.healthyMs) this.backoff.reset();
    this.connectedAt = 0;
    if (this.stopped) {
      this.events.disconnected(failure.reason, -1);
      return;
    }
    const delay = this.backoff.next(failure.handshake === true);
    this.retryTimer = this.timers.set(() => this.open(), delay);
    this.events.disconnected(failure.reason, delay);
  }
}
