// What the MQTT session (session.ts) is given and gives: its options, its events, its API.
import type { QoS, Will } from "./codec/packets";

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
}

export interface SessionEvents {
  connected(sessionPresent: boolean): void;
  /** `retryInMs` is -1 after stop(). */
  disconnected(reason: string, retryInMs: number): void;
  /** An application message. A QoS 1 redelivery (DUP) of a packet id already delivered on
   *  this link is not passed on again ([MQTT-4.3.2]: the receiver may see duplicates). */
  message(topic: string, payload: string, retain: boolean): void;
}

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
   * maxInflight and maxInflightBytes) and sent when the link is up, again after every
   * reconnect until PUBACK. `topic` must be a valid topic name (not checked here).
   */
  publish(topic: string, payload: string, qos: QoS, retain: boolean): string | undefined;
  /** Subscribes now if up, and again after every reconnect that lost the broker session.
   *  `filter` must be a valid topic filter (not checked here). */
  subscribe(filter: string, qos: QoS): void;
}
