// Packet -> bytes for what the device sends (CONNECT, PUBLISH, PUBACK, SUBSCRIBE, PINGREQ,
// DISCONNECT), one function per packet. Nothing is checked here: the session sends only what
// it built from a checked profile (app/profile/profile-check.ts) with its own packet ids, and host code
// checks first (encode-any.ts, which adds the packets a broker sends).
import { fromCharCode, str16, u16 } from "./bytes";
import type { ConnectPacket, QoS, Subscription } from "./packets";

/** What the device's CONNECT carries besides its keepalive: a ConnectPacket, or the
 *  session's options. It has no user name or password (mutual TLS says who it is). */
export type ConnectFields = Pick<ConnectPacket, "clientId" | "cleanSession" | "will">;

/** First byte, remaining length (section 2.2.3: 7 bits a byte, low group first), body. */
export function frame(first: number, body: string): string {
  let n = body.length;
  let out = fromCharCode(first);
  do {
    out += fromCharCode(n > 127 ? (n & 127) | 128 : n);
    n = n >> 7;
  } while (n > 0);
  return out + body;
}

/** `keepalive` in seconds (section 3.1.2.10). The connect flags are the body's eighth byte
 *  and the user name and password would follow the payload (encode-any.ts adds them). */
export function connectBody(p: ConnectFields, keepalive: number): string {
  const will = p.will;
  // Connect flags (section 3.1.2.3): bit 7 user name, 6 password, 5 will retain,
  // 4-3 will QoS, 2 will flag, 1 clean session, 0 reserved (zero, [MQTT-3.1.2-3]).
  let flags = p.cleanSession ? 2 : 0;
  let payload = str16(p.clientId);
  if (will) {
    flags |= 4 | (will.qos << 3) | (will.retain ? 32 : 0);
    payload += str16(will.topic) + str16(will.payload);
  }
  // Protocol name "MQTT", level 4 (sections 3.1.2.1, 3.1.2.2).
  return "\x00\x04MQTT\x04" + fromCharCode(flags) + u16(keepalive) + payload;
}

/** The topic field of each topic published (two length bytes, then the topic), made once: a
 *  device publishes to a few fixed topics. At most 16 are kept. */
const heads: { [topic: string]: string } = {};

/** A PUBLISH (section 3.3) of `payload` to `topic`, not DUP; `id` at QoS 1 only. Arguments,
 *  not a packet object: a device publishes often, and an object is costly on Espruino. On
 *  Espruino every token and native call counts (docs/espruino.md): the topic field comes from
 *  `heads`, the remaining length is the body's one length, and under 128 bytes the fixed
 *  header is one fromCharCode, without frame()'s loop. */
export function encodePublish(topic: string, payload: string, qos: QoS, retain: boolean, id?: number) {
  // The parameters take the body and its length: a `let` makes a new variable at every call.
  payload =
    (heads[topic] || (Object.keys(heads).length < 16 ? (heads[topic] = str16(topic)) : str16(topic))) +
    (qos ? fromCharCode((id as number) >> 8, (id as number) & 255) : "") +
    payload;
  // Fixed header flags (section 3.3.1): bit 3 DUP (0 here), bits 2-1 QoS, bit 0 RETAIN (a
  // boolean is 0 or 1 to "|").
  return (id = payload.length) > 127
    ? frame(0x30 | (qos << 1) | (retain as unknown as number), payload)
    : fromCharCode(0x30 | (qos << 1) | (retain as unknown as number), id) + payload;
}

/** PUBACK (0x40) and UNSUBACK (0xb0): a packet identifier alone. */
export function encodeAck(first: number, id: number): string {
  return fromCharCode(first, 2) + u16(id);
}

export function encodeSubscribe(id: number, subscriptions: Subscription[]): string {
  let body = u16(id);
  subscriptions.forEach((s) => {
    body += str16(s.filter) + fromCharCode(s.qos);
  });
  // SUBSCRIBE carries the reserved flags 0010 [MQTT-3.8.1-1].
  return frame(0x82, body);
}

/** PINGREQ (12), PINGRESP (13), DISCONNECT (14): a fixed header alone (sections 3.12-3.14). */
export function encodeEmpty(type: number): string {
  return fromCharCode(type << 4, 0);
}
