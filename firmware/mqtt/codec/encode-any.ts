// Any Packet -> bytes, for tests and host tools (a fake broker answers with these), checked
// first: what the device's encoders (encode.ts) take on trust is refused here with an Error
// naming the spec clause. The firmware calls the encoders in encode.ts directly.
import { str16, u16 } from "./bytes";
import { topicFilterError, topicNameError, utf8Error } from "./checks";
import { connectBody, encodeAck, encodeEmpty, encodePublish, encodeSubscribe, frame } from "./encode";
import type { ConnectPacket, Packet } from "./packets";

function check(problem: string | false | undefined): void {
  if (problem) throw new Error(problem);
}

function id16(id: number): number {
  check(!(id >= 1 && id <= 65535) && "packet id " + id + " not 1-65535 [MQTT-2.3.1-1]");
  return id;
}

/** `bytes`, a PUBLISH, with the DUP flag set when `isDup` (section 3.3.1.1). */
function dup(bytes: string, isDup: boolean): string {
  return isDup ? String.fromCharCode(bytes.charCodeAt(0) | 8) + bytes.substr(1) : bytes;
}

function connectError(p: ConnectPacket): string | false | undefined {
  const user = p.username;
  return (
    (!(p.keepalive >= 0 && p.keepalive <= 65535) && "keepalive not 0-65535 s") ||
    utf8Error(p.clientId) ||
    (p.will && topicNameError(p.will.topic)) ||
    (user !== undefined && utf8Error(user)) ||
    (p.password !== undefined && user === undefined && "password, no user [MQTT-3.1.2-22]")
  );
}

/** The device's CONNECT body with the user name and password flags and fields added. */
function connectWithUser(p: ConnectPacket): string {
  const body = connectBody(p, p.keepalive);
  const user = p.username;
  const password = p.password;
  const flags = body.charCodeAt(7) | (user !== undefined ? 128 : 0) | (password !== undefined ? 64 : 0);
  return (
    body.substr(0, 7) +
    String.fromCharCode(flags) +
    body.substr(8) +
    (user !== undefined ? str16(user) : "") +
    (password !== undefined ? str16(password) : "")
  );
}

function filters(list: string[], subscribe: boolean): void {
  check(!list.length && "no filter [MQTT-" + (subscribe ? "3.8.3-3]" : "3.10.3-2]"));
  list.forEach((filter) => check(topicFilterError(filter)));
}

function unchecked(packet: Packet): string {
  switch (packet.type) {
    case 1:
      check(connectError(packet));
      return frame(0x10, connectWithUser(packet));
    case 2:
      return frame(0x20, String.fromCharCode(packet.sessionPresent ? 1 : 0, packet.returnCode));
    case 3:
      check(topicNameError(packet.topic));
      if (packet.qos) id16(packet.id as number);
      else check(packet.dup && "DUP at QoS 0 [MQTT-3.3.1-2]");
      return dup(encodePublish(packet.topic, packet.payload, packet.qos, packet.retain, packet.id), packet.dup);
    case 4:
      return encodeAck(0x40, id16(packet.id));
    case 8:
      filters(
        packet.subscriptions.map((s) => s.filter),
        true,
      );
      return encodeSubscribe(id16(packet.id), packet.subscriptions);
    case 9:
      return frame(0x90, u16(id16(packet.id)) + String.fromCharCode.apply(null, packet.granted));
    case 10:
      filters(packet.filters, false);
      // UNSUBSCRIBE carries the reserved flags 0010 [MQTT-3.10.1-1].
      return frame(0xa2, u16(id16(packet.id)) + packet.filters.map(str16).join(""));
    case 11:
      return encodeAck(0xb0, id16(packet.id));
    default:
      return encodeEmpty(packet.type);
  }
}

export function encode(packet: Packet): string {
  const bytes = unchecked(packet);
  // Four remaining-length bytes that all say "more": the body is over 268435455 bytes.
  const more = bytes.charCodeAt(1) & bytes.charCodeAt(2) & bytes.charCodeAt(3) & bytes.charCodeAt(4) & 128;
  check(more > 0 && "body over 268435455 bytes [MQTT-2.2.3]");
  return bytes;
}
