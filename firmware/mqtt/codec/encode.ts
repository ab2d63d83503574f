// Packet -> bytes, one function per packet so the bundle keeps only what the device sends
// (encode-any.ts dispatches over all of them for tests and host tools). Throws an Error with
// the spec clause only for input a caller should have checked first: a bad filter, a packet
// id of 0. encodePublish takes its topic as already checked (topicNameError, topic.ts): the
// session checks what it is given, encode-any.ts what it encodes.
import { MAX_REMAINING_LENGTH, str16, u16, utf8Error } from "./bytes";
import type { ConnectPacket, PublishPacket, Subscription } from "./packets";
import { topicFilterError, topicNameError } from "./topic";

export function check(problem: string | false | undefined): void {
  if (problem) throw new Error(problem);
}

const NOT_ID = " not 1-65535 [MQTT-2.3.1-1]";

function id16(id: number): string {
  check(!(id >= 1 && id <= 65535) && "packet id " + id + NOT_ID);
  return u16(id);
}

/** First byte, remaining length (section 2.2.3: 7 bits a byte, low group first), body. */
function frame(first: number, body: string): string {
  let n = body.length;
  if (n > MAX_REMAINING_LENGTH) throw new Error("body over 268435455 bytes [MQTT-2.2.3]");
  let out = String.fromCharCode(first);
  do {
    out += String.fromCharCode(n > 127 ? (n & 127) | 128 : n);
    n = n >> 7;
  } while (n > 0);
  return out + body;
}

export function encodeConnect(p: ConnectPacket): string {
  const will = p.will;
  const user = p.username;
  const password = p.password;
  check(
    (!(p.keepalive >= 0 && p.keepalive <= 65535) && "keepalive not 0-65535 s") ||
      utf8Error(p.clientId) ||
      (will && topicNameError(will.topic)) ||
      (user !== undefined && utf8Error(user)) ||
      (password !== undefined && user === undefined && "password, no user [MQTT-3.1.2-22]"),
  );
  // Connect flags (section 3.1.2.3): bit 7 user name, 6 password, 5 will retain,
  // 4-3 will QoS, 2 will flag, 1 clean session, 0 reserved (zero, [MQTT-3.1.2-3]).
  let flags = p.cleanSession ? 2 : 0;
  let payload = str16(p.clientId);
  if (will) {
    flags |= 4 | (will.qos << 3) | (will.retain ? 32 : 0);
    payload += str16(will.topic) + str16(will.payload);
  }
  if (user !== undefined) {
    flags |= 128;
    payload += str16(user);
  }
  if (password !== undefined) {
    flags |= 64;
    payload += str16(password);
  }
  // Protocol name "MQTT", level 4 (sections 3.1.2.1, 3.1.2.2).
  return frame(0x10, "\x00\x04MQTT\x04" + String.fromCharCode(flags) + u16(p.keepalive) + payload);
}

export function encodeConnack(sessionPresent: boolean, returnCode: number): string {
  return frame(0x20, String.fromCharCode(sessionPresent ? 1 : 0, returnCode));
}

/** `p.topic` must have passed topicNameError: it is not checked again here. Written out in
 *  full (no helpers): a call is costly on Espruino, and a device publishes often. */
export function encodePublish(p: PublishPacket): string {
  const topic = p.topic;
  const qos = p.qos;
  let id = "";
  if (qos) {
    const n = p.id as number;
    if (!(n >= 1 && n <= 65535)) throw new Error("packet id " + n + NOT_ID);
    id = String.fromCharCode(n >> 8, n & 255);
  } else if (p.dup) throw new Error("DUP at QoS 0 [MQTT-3.3.1-2]");
  // Fixed header flags (section 3.3.1): bit 3 DUP, bits 2-1 QoS, bit 0 RETAIN.
  return frame(
    0x30 | (p.dup ? 8 : 0) | (qos << 1) | (p.retain ? 1 : 0),
    String.fromCharCode(topic.length >> 8, topic.length & 255) + topic + id + p.payload,
  );
}

/** PUBACK (0x40) and UNSUBACK (0xb0): a packet identifier alone. */
export function encodeAck(first: number, id: number): string {
  return frame(first, id16(id));
}

function filters(id: number, list: string[], qos: number[] | undefined): string {
  check(!list.length && "no filter [MQTT-" + (qos ? "3.8.3-3]" : "3.10.3-2]"));
  let body = id16(id);
  for (let i = 0; i < list.length; i++) {
    check(topicFilterError(list[i]));
    body += str16(list[i]) + (qos ? String.fromCharCode(qos[i]) : "");
  }
  return body;
}

export function encodeSubscribe(id: number, subscriptions: Subscription[]): string {
  // SUBSCRIBE carries the reserved flags 0010 [MQTT-3.8.1-1].
  return frame(
    0x82,
    filters(
      id,
      subscriptions.map((s) => s.filter),
      subscriptions.map((s) => s.qos),
    ),
  );
}

export function encodeSuback(id: number, granted: number[]): string {
  return frame(0x90, id16(id) + String.fromCharCode.apply(null, granted));
}

export function encodeUnsubscribe(id: number, list: string[]): string {
  // UNSUBSCRIBE carries the reserved flags 0010 [MQTT-3.10.1-1].
  return frame(0xa2, filters(id, list, undefined));
}

/** PINGREQ, PINGRESP, DISCONNECT: a fixed header alone (sections 3.12-3.14). */
export function encodeEmpty(type: number): string {
  return frame(type << 4, "");
}
