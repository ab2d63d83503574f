// The MQTT 3.1.1 client session: one link at a time, reconnecting forever through the
// Backoff until stop(). Up means CONNACK 0 arrived, never merely "socket connected" (the TLS
// socket's 'connect' proves nothing on Espruino, docs/espruino.md). Everything the session owns is
// bounded: the decoder by maxPacketBytes, outgoing QoS 1 by maxInflight.
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
import { Inflight } from "./inflight";
import { Keepalive } from "./keepalive";
import { Subscriptions } from "./subscriptions";

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

export class Session {
  private readonly connector_: Connector;
  private readonly clock_: Clock;
  private readonly timers_: Timers;
  private readonly options_: SessionOptions;
  private readonly backoff_: Backoff;
  private readonly events_: SessionEvents;
  private readonly decoder_: Decoder;
  private readonly inflight_: Inflight;
  private readonly subscriptions_: Subscriptions;
  private link_: Transport | undefined;
  /** Bumped for every link, so handlers of a dead link are ignored. */
  private generation_: number;
  private up_: boolean;
  private stopped_: boolean;
  private failure_: LinkError | undefined;
  private connectedAt_: number;
  private lastId_: number;
  /** QoS 1 packet ids delivered on this link, newest last (at most REMEMBERED_IDS). */
  private delivered_: number[];
  /** Timer handles are set to undefined the moment they fire or are cleared: Espruino hands a
   *  freed id to the next timer at once, so a stale clear would cancel someone else's timer
   *  (src/jsinteractive.c, jsiTimerAdd). */
  private connectTimer_: TimerHandle;
  private readonly keepalive_: Keepalive;
  private retryTimer_: TimerHandle;

  constructor(
    connector: Connector,
    clock: Clock,
    timers: Timers,
    options: SessionOptions,
    backoff: Backoff,
    events: SessionEvents,
  ) {
    this.connector_ = connector;
    this.clock_ = clock;
    this.timers_ = timers;
    this.options_ = options;
    this.backoff_ = backoff;
    this.events_ = events;
    this.decoder_ = new Decoder(options.maxPacketBytes, decodeFromBroker);
    this.inflight_ = new Inflight(options.maxInflight, options.maxInflightBytes);
    this.subscriptions_ = new Subscriptions();
    this.generation_ = 0;
    this.up_ = false;
    this.stopped_ = true;
    this.connectedAt_ = 0;
    this.keepalive_ = new Keepalive(
      clock,
      timers,
      options.keepaliveSeconds * 1000,
      () => this.send_(encodeEmpty(PINGREQ)),
      (reason) => this.drop_({ reason }),
    );
    this.lastId_ = 0;
    this.delivered_ = [];
  }

  get connected(): boolean {
    return this.up_;
  }

  /** Outgoing QoS 1 messages not yet acknowledged. */
  get inflightCount(): number {
    return this.inflight_.size;
  }

  start(): void {
    if (!this.stopped_) return;
    this.stopped_ = false;
    this.open_();
  }

  /** Sends DISCONNECT (so the broker discards the will, [MQTT-3.14.4-3]) and stays down. */
  stop(): void {
    this.stopped_ = true;
    this.clearRetry_();
    if (this.up_) this.send_(encodeEmpty(DISCONNECT));
    this.drop_({ reason: "stopped by the device" });
  }

  /** Tries at once instead of waiting out the backoff (the network just came back). */
  retryNow(): void {
    if (this.stopped_ || this.link_) return;
    this.clearRetry_();
    this.open_();
  }

  /**
   * Publishes, or returns why not. QoS 0 needs the link up; QoS 1 is held (at most
   * maxInflight) and sent when the link is up, again after every reconnect until PUBACK.
   */
  publish(topic: string, payload: string, qos: QoS, retain: boolean): string | undefined {
    const problem = topicNameError(topic);
    if (problem !== undefined) return problem;
    if (qos === 0 && !this.up_) return "not connected: QoS 0 message to " + topic + " dropped";
    if (qos === 1 && this.inflight_.full) return "in-flight store full (" + this.inflight_.capacity + " messages)";
    const id = qos === 1 ? this.nextId_() : undefined;
    const bytes = encodePublish({ type: PUBLISH, topic, payload, qos, retain, dup: false, id });
    if (bytes.length > this.options_.maxPacketBytes) {
      return "message to " + topic + " is " + bytes.length + " bytes, over maxPacketBytes";
    }
    if (id !== undefined && !this.inflight_.fits(bytes.length)) {
      return "in-flight store full (" + this.inflight_.bytes + " of " + this.inflight_.maxBytes + " bytes)";
    }
    if (id === undefined) this.send_(bytes);
    else {
      this.inflight_.add(id, bytes);
      if (this.up_) {
        this.inflight_.markSent(id);
        this.send_(bytes);
      }
    }
    return undefined;
  }

  /** Subscribes now if up, and again after every reconnect that lost the broker session. */
  subscribe(filter: string, qos: QoS): string | undefined {
    const problem = topicFilterError(filter);
    if (problem !== undefined) return problem;
    this.subscriptions_.want(filter, qos);
    if (this.up_) this.sendSubscribe_([{ filter, qos }]);
    return undefined;
  }

  private clearRetry_(): void {
    this.timers_.clear(this.retryTimer_);
    this.retryTimer_ = undefined;
  }

  private clearConnectTimer_(): void {
    this.timers_.clear(this.connectTimer_);
    this.connectTimer_ = undefined;
  }

  private nextId_(): number {
    // Per-instance ids 1..65535, skipping any still awaiting an acknowledgement [MQTT-2.3.1-2].
    do this.lastId_ = (this.lastId_ % 65535) + 1;
    while (this.inflight_.has(this.lastId_) || this.subscriptions_.isPending(this.lastId_));
    return this.lastId_;
  }

  private sendSubscribe_(subscriptions: Subscription[]): void {
    const id = this.nextId_();
    this.subscriptions_.sent(id, subscriptions);
    this.send_(encodeSubscribe(id, subscriptions));
  }

  private send_(bytes: string): void {
    if (!this.link_) return;
    this.keepalive_.sent();
    this.link_.write(bytes);
  }

  private open_(): void {
    const generation = ++this.generation_;
    const options = this.options_;
    this.failure_ = undefined;
    this.up_ = false;
    this.decoder_.reset();
    this.delivered_ = [];
    this.subscriptions_.forgetPending();
    const handlers = {
      data: (chunk: string) => {
        if (generation === this.generation_) this.onData_(chunk);
      },
      error: (error: LinkError) => {
        if (generation === this.generation_ && !this.failure_) this.failure_ = error;
      },
      close: () => {
        if (generation === this.generation_) this.onClose_();
      },
    };
    this.link_ = this.connector_(handlers);
    // CONNECT goes out at once: Espruino queues it until the TLS handshake ends (docs/espruino.md).
    this.send_(
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
    this.connectTimer_ = this.timers_.set(() => {
      this.connectTimer_ = undefined;
      this.drop_({ reason: "no CONNACK within " + options.connectTimeoutMs / 1000 + " s" });
    }, options.connectTimeoutMs);
  }

  /** Ends the current link for `error` (the first reason given wins); close follows. */
  private drop_(error: LinkError): void {
    if (!this.failure_) this.failure_ = error;
    this.up_ = false;
    this.decoder_.reset();
    if (this.link_) this.link_.close();
  }

  private onData_(chunk: string): void {
    // A link the session has given up on may still deliver bytes until its socket closes
    // (up to the transport's close grace): none of them is acted on.
    if (this.failure_ !== undefined) return;
    const problem = this.decoder_.push(chunk, (packet) => this.onPacket_(packet));
    if (problem !== undefined) this.drop_({ reason: "protocol error: " + problem });
  }

  private onPacket_(packet: Packet): void {
    if (!this.up_) {
      if (packet.type !== CONNACK) {
        this.drop_({ reason: "protocol error: " + packetName(packet.type) + " before CONNACK [MQTT-3.2.0-1]" });
        return;
      }
      this.clearConnectTimer_();
      const refusal = connackError(packet.returnCode);
      if (refusal !== undefined) {
        this.drop_({ reason: refusal, handshake: isAuthRefusal(packet.returnCode) });
        return;
      }
      this.onConnack_(packet.sessionPresent);
      return;
    }
    if (packet.type === PUBLISH) {
      const id = packet.id as number;
      if (packet.qos === 0) this.events_.message(packet.topic, packet.payload, packet.retain);
      else {
        if (!packet.dup || this.delivered_.indexOf(id) < 0) {
          this.delivered_.push(id);
          if (this.delivered_.length > REMEMBERED_IDS) this.delivered_.shift();
          this.events_.message(packet.topic, packet.payload, packet.retain);
        }
        if (this.failure_ === undefined) this.send_(encodeAck(0x40, id));
      }
    } else if (packet.type === PUBACK) this.inflight_.ack(packet.id);
    else if (packet.type === SUBACK) {
      // Every subscription is a command topic: connected but deaf is worse than retrying.
      const refused = this.subscriptions_.acked(packet.id, packet.granted);
      if (refused.length > 0) this.drop_({ reason: "broker refused the subscription to " + refused.join(", ") });
    } else if (packet.type === PINGRESP) {
      this.keepalive_.pong();
    } else if (packet.type !== UNSUBACK) {
      this.drop_({ reason: "protocol error: broker sent " + packetName(packet.type) });
    }
  }

  private onConnack_(sessionPresent: boolean): void {
    this.up_ = true;
    this.connectedAt_ = this.clock_.now();
    if (!sessionPresent && this.subscriptions_.all.length > 0) this.sendSubscribe_(this.subscriptions_.all);
    this.inflight_.sendAll((bytes) => this.send_(bytes));
    this.keepalive_.start();
    this.events_.connected(sessionPresent);
  }

  private onClose_(): void {
    this.clearConnectTimer_();
    this.keepalive_.stop();
    const wasUp = this.up_;
    this.up_ = false;
    this.link_ = undefined;
    const failure = this.failure_ || { reason: wasUp ? "connection closed by the broker" : "connection closed" };
    if (this.connectedAt_ > 0 && this.clock_.now() - this.connectedAt_ >= this.options_.healthyMs)
      this.backoff_.reset();
    this.connectedAt_ = 0;
    if (this.stopped_) {
      this.events_.disconnected(failure.reason, -1);
      return;
    }
    const delay = this.backoff_.next(failure.handshake === true);
    this.retryTimer_ = this.timers_.set(() => {
      this.retryTimer_ = undefined;
      this.open_();
    }, delay);
    this.events_.disconnected(failure.reason, delay);
  }
}
