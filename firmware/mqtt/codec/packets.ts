// MQTT 3.1.1 control packets as plain objects (OASIS mqtt-v3.1.1-os, section 3).
// Strings are 8-bit "byte strings" as Espruino's sockets deliver them: a topic is its UTF-8
// bytes, a payload is raw bytes. Nothing here allocates a Buffer or touches I/O.

/** Packet types: the high nibble of the fixed header's first byte (section 2.2.1). */
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

export type QoS = 0 | 1;

export interface Will {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

export interface ConnectPacket {
  type: typeof CONNECT;
  clientId: string;
  cleanSession: boolean;
  /** Seconds; 0 turns keepalive off (section 3.1.2.10). */
  keepalive: number;
  will?: Will;
  username?: string;
  password?: string;
}

export interface ConnackPacket {
  type: typeof CONNACK;
  sessionPresent: boolean;
  /** 0 accepted; 1-5 refused (section 3.2.2.3), see connackError(). */
  returnCode: number;
}

export interface PublishPacket {
  type: typeof PUBLISH;
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos is 1 (section 2.3.1). */
  id?: number;
}

export interface IdPacket {
  type: typeof PUBACK | typeof UNSUBACK;
  id: number;
}

export interface Subscription {
  filter: string;
  /** Requested maximum QoS; this client asks for 0 or 1, a decoded SUBSCRIBE may say 2. */
  qos: number;
}

export interface SubscribePacket {
  type: typeof SUBSCRIBE;
  id: number;
  subscriptions: Subscription[];
}

export interface SubackPacket {
  type: typeof SUBACK;
  id: number;
  /** Per subscription: the granted QoS, or 0x80 for failure (section 3.9.3). */
  granted: number[];
}

export interface UnsubscribePacket {
  type: typeof UNSUBSCRIBE;
  id: number;
  filters: string[];
}

export interface EmptyPacket {
  type: typeof PINGREQ | typeof PINGRESP | typeof DISCONNECT;
}

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | IdPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | EmptyPacket;

/** SUBACK return code for a refused subscription (section 3.9.3). */
export const SUBACK_FAILURE = 0x80;

/** The packet types' names as the spec writes them (section 2.2.1), by type. */
export const PACKET_NAMES =
  "reserved(0),CONNECT,CONNACK,PUBLISH,PUBACK,PUBREC,PUBREL,PUBCOMP,SUBSCRIBE,SUBACK,UNSUBSCRIBE,UNSUBACK,PINGREQ,PINGRESP,DISCONNECT,reserved(15)".split(
    ",",
  );
