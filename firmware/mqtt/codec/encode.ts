// Packet -> bytes. Throws an Error (with the spec clause) only for input a caller should have
// checked first: a wildcard in a PUBLISH topic, a bad filter, a packet id of 0, a body too
// long for four remaining-length bytes. The session checks topics before calling this.
import { MAX_REMAINING_LENGTH, remainingLength, str16, u16, utf8Error } from "./bytes";
import {
  CONNACK,
  CONNECT,
  PUBACK,
  PUBLISH,
  SUBACK,
  SUBSCRIBE,
  UNSUBACK,
  UNSUBSCRIBE,
  type Packet,
  type Will,
} from "./packets";
import { topicFilterError, topicNameError } from "./topic";

function fail(problem: string | undefined): void {
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

function connectBody(clientId: string, clean: boolean, keepalive: number, will?: Will, user?: string, pass?: string) {
  // Connect flags (section 3.1.2.3): bit 7 user name, 6 password, 5 will retain,
  // 4-3 will QoS, 2 will flag, 1 clean session, 0 reserved (zero, [MQTT-3.1.2-3]).
  let flags = clean ? 2 : 0;
  let payload = str16(clientId);
  fail(utf8Error(clientId));
  if (will) {
    fail(topicNameError(will.topic));
    flags |= 4 | (will.qos << 3) | (will.retain ? 32 : 0);
    payload += str16(will.topic) + str16(will.payload);
  }
  if (user !== undefined) {
    fail(utf8Error(user));
    flags |= 128;
    payload += str16(user);
  }
  if (pass !== undefined) {
    if (user === undefined) throw new Error("password without user name [MQTT-3.1.2-22]");
    flags |= 64;
    payload += str16(pass);
  }
  // Protocol name "MQTT", level 4 (sections 3.1.2.1, 3.1.2.2).
  return "\x00\x04MQTT\x04" + String.fromCharCode(flags) + u16(keepalive) + payload;
}

export function encode(packet: Packet): string {
  switch (packet.type) {
    case CONNECT:
      if (!(packet.keepalive >= 0 && packet.keepalive <= 65535)) throw new Error("keepalive outside 0-65535 s");
      return frame(
        0x10,
        connectBody(
          packet.clientId,
          packet.cleanSession,
          packet.keepalive,
          packet.will,
          packet.username,
          packet.password,
        ),
      );
    case CONNACK:
      return frame(0x20, String.fromCharCode(packet.sessionPresent ? 1 : 0, packet.returnCode));
    case PUBLISH: {
      fail(topicNameError(packet.topic));
      // Fixed header flags (section 3.3.1): bit 3 DUP, bits 2-1 QoS, bit 0 RETAIN.
      const first = 0x30 | (packet.dup ? 8 : 0) | (packet.qos << 1) | (packet.retain ? 1 : 0);
      if (packet.qos === 0 && packet.dup) throw new Error("DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]");
      const id = packet.qos > 0 ? id16(packet.id as number) : "";
      return frame(first, str16(packet.topic) + id + packet.payload);
    }
    case PUBACK:
      return frame(0x40, id16(packet.id));
    case SUBSCRIBE: {
      if (packet.subscriptions.length === 0) throw new Error("SUBSCRIBE without a topic filter [MQTT-3.8.3-3]");
      let body = id16(packet.id);
      for (let i = 0; i < packet.subscriptions.length; i++) {
        const s = packet.subscriptions[i];
        fail(topicFilterError(s.filter));
        body += str16(s.filter) + String.fromCharCode(s.qos);
      }
      // SUBSCRIBE and UNSUBSCRIBE carry reserved flags 0010 [MQTT-3.8.1-1], [MQTT-3.10.1-1].
      return frame(0x82, body);
    }
    case SUBACK:
      return frame(0x90, id16(packet.id) + String.fromCharCode.apply(null, packet.granted));
    case UNSUBSCRIBE: {
      if (packet.filters.length === 0) throw new Error("UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]");
      let body = id16(packet.id);
      for (let i = 0; i < packet.filters.length; i++) {
        fail(topicFilterError(packet.filters[i]));
        body += str16(packet.filters[i]);
      }
      return frame(0xa2, body);
    }
    case UNSUBACK:
      return frame(0xb0, id16(packet.id));
    default:
      // PINGREQ, PINGRESP, DISCONNECT: a fixed header alone (sections 3.12-3.14).
      return frame(packet.type << 4, "");
  }
}
