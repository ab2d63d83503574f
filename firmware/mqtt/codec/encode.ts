// Packet -> bytes, one function per packet so the bundle keeps only what the device sends
// (encode-any.ts dispatches over all of them for tests and host tools). Throws an Error with
// the spec clause only for input a caller should have checked first: a wildcard in a PUBLISH
// topic, a bad filter, a packet id of 0. The session checks topics before calling these.
import { MAX_REMAINING_LENGTH, remainingLength, str16, u16, utf8Error } from "./bytes";
import type { ConnectPacket, PublishPacket, Subscription } from "./packets";
import { topicFilterError, topicNameError } from "./topic";

function check(problem: string | undefined): void {
  if (problem !== undefined) throw new Error(problem);
}

function id16(id: number): string {
  if (!(id >= 1 && id <= 65535)) throw new Error("packet identifier " + id + " outside 1-65535 [MQTT-2.3.1-1]");
  return u16(id);
}

function frame(first: number, body: string): string {
  if (body.length > MAX_REMAINING_LENGTH) throw new Error("packet body over 268435455 bytes [MQTT-2.2.3]");
  return String.fromCharCode(first) + remainingLength(body.length) + body;
}

export function encodeConnect(p: ConnectPacket): string {
  if (!(p.keepalive >= 0 && p.keepalive <= 65535)) throw new Error("keepalive outside 0-65535 s");
  check(utf8Error(p.clientId));
  // Connect flags (section 3.1.2.3): bit 7 user name, 6 password, 5 will retain,
  // 4-3 will QoS, 2 will flag, 1 clean session, 0 reserved (zero, [MQTT-3.1.2-3]).
  let flags = p.cleanSession ? 2 : 0;
  let payload = str16(p.clientId);
  const will = p.will;
  if (will) {
    check(topicNameError(will.topic));
    flags |= 4 | (will.qos << 3) | (will.retain ? 32 : 0);
    payload += str16(will.topic) + str16(will.payload);
  }
  if (p.username !== undefined) {
    check(utf8Error(p.username));
    flags |= 128;
    payload += str16(p.username);
  }
  if (p.password !== undefined) {
    if (p.username === undefined) throw new Error("password without user name [MQTT-3.1.2-22]");
    flags |= 64;
    payload += str16(p.password);
  }
  // Protocol name "MQTT", level 4 (sections 3.1.2.1, 3.1.2.2).
  return frame(0x10, "\x00\x04MQTT\x04" + String.fromCharCode(flags) + u16(p.keepalive) + payload);
}

export function encodeConnack(sessionPresent: boolean, returnCode: number): string {
  return frame(0x20, String.fromCharCode(sessionPresent ? 1 : 0, returnCode));
}

export function encodePublish(p: PublishPacket): string {
  check(topicNameError(p.topic));
  if (p.qos === 0 && p.dup) throw new Error("DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]");
  // Fixed header flags (section 3.3.1): bit 3 DUP, bits 2-1 QoS, bit 0 RETAIN.
  const first = 0x30 | (p.dup ? 8 : 0) | (p.qos << 1) | (p.retain ? 1 : 0);
  return frame(first, str16(p.topic) + (p.qos > 0 ? id16(p.id as number) : "") + p.payload);
}

/** PUBACK (0x40) and UNSUBACK (0xb0): a packet identifier alone. */
export function encodeAck(first: number, id: number): string {
  return frame(first, id16(id));
}

export function encodeSubscribe(id: number, subscriptions: Subscription[]): string {
  if (subscriptions.length === 0) throw new Error("SUBSCRIBE without a topic filter [MQTT-3.8.3-3]");
  let body = id16(id);
  for (let i = 0; i < subscriptions.length; i++) {
    check(topicFilterError(subscriptions[i].filter));
    body += str16(subscriptions[i].filter) + String.fromCharCode(subscriptions[i].qos);
  }
  // SUBSCRIBE carries the reserved flags 0010 [MQTT-3.8.1-1].
  return frame(0x82, body);
}

export function encodeSuback(id: number, granted: number[]): string {
  return frame(0x90, id16(id) + String.fromCharCode.apply(null, granted));
}

export function encodeUnsubscribe(id: number, filters: string[]): string {
  if (filters.length === 0) throw new Error("UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]");
  let body = id16(id);
  for (let i = 0; i < filters.length; i++) {
    check(topicFilterError(filters[i]));
    body += str16(filters[i]);
  }
  // UNSUBSCRIBE carries the reserved flags 0010 [MQTT-3.10.1-1].
  return frame(0xa2, body);
}

/** PINGREQ, PINGRESP, DISCONNECT: a fixed header alone (sections 3.12-3.14). */
export function encodeEmpty(type: number): string {
  return frame(type << 4, "");
}
