// Bytes -> Packet for the packets a broker sends a client (CONNACK, PUBLISH, PUBACK, SUBACK,
// UNSUBACK, PINGRESP): all the device needs, so the bundle carries nothing else.
// decode-any.ts adds the packets a client sends, for tests and host tools. Malformed input is
// returned as a message naming the packet and the spec clause broken; nothing here throws.
import { CONNACK, PINGRESP, PUBACK, PUBLISH, SUBACK, UNSUBACK, type Packet, type QoS } from "./packets";
import { packetName, Reader } from "./reader";
import { topicNameError } from "./topic";

/** Decodes a body for one packet type, or returns undefined for a type it does not know. */
export type BodyDecoder = (type: number, flags: number, r: Reader) => Packet | undefined;

function publish(r: Reader, flags: number): Packet {
  const qos = (flags >> 1) & 3;
  if (qos === 3) r.fail("QoS 3 [MQTT-3.3.1-4]");
  if (qos === 2) r.fail("QoS 2, never asked for [MQTT-3.8.4-6]");
  if (qos === 0 && flags & 8) r.fail("DUP at QoS 0 [MQTT-3.3.1-2]");
  const topic = r.bytes(false);
  if (r.err === undefined) r.fail(topicNameError(topic));
  const packet: Packet = {
    type: PUBLISH,
    topic,
    payload: "",
    qos: qos as QoS,
    retain: (flags & 1) !== 0,
    dup: (flags & 8) !== 0,
  };
  if (qos > 0) packet.id = r.id();
  packet.payload = r.rest();
  return packet;
}

function suback(r: Reader): Packet {
  const id = r.id();
  const granted: number[] = [];
  while (r.left() > 0) {
    const code = r.u8();
    if (code > 2 && code !== 0x80) r.fail("code " + code + " [MQTT-3.9.3-2]");
    granted.push(code);
  }
  if (granted.length === 0) r.fail("no code [MQTT-3.9.3-1]");
  return { type: SUBACK, id, granted };
}

function connack(r: Reader): Packet {
  const ack = r.u8();
  const returnCode = r.u8();
  if (ack & 254) r.fail("reserved flags (section 3.2.2.1)");
  if (returnCode > 5) r.fail("code " + returnCode + " reserved (section 3.2.2.3)");
  if (ack & 1 && returnCode !== 0) r.fail("session present, refused [MQTT-3.2.2-4]");
  return { type: CONNACK, sessionPresent: (ack & 1) !== 0, returnCode };
}

/** The packets a broker sends (section 3). */
export function brokerBody(type: number, flags: number, r: Reader): Packet | undefined {
  if (type === CONNACK) return connack(r);
  if (type === PUBLISH) return publish(r, flags);
  if (type === SUBACK) return suback(r);
  if (type === PUBACK || type === UNSUBACK) return { type, id: r.id() };
  if (type === PINGRESP) return { type };
  return undefined;
}

/** Decodes one whole packet (its first byte and its body) with `body`, or returns an error. */
export function decodeWith(first: number, body: string, decodeBody: BodyDecoder): Packet | string {
  const type = first >> 4;
  const flags = first & 15;
  const name = packetName(type);
  if (type === 0 || type === 15) return name + ": reserved type (section 2.2.1)";
  if (type >= 5 && type <= 7) return name + ": QoS 2 flow (section 4.3.3)";
  // SUBSCRIBE and UNSUBSCRIBE carry the flags 0010, every other packet but PUBLISH 0000.
  if (type !== PUBLISH && flags !== (type === 8 || type === 10 ? 2 : 0)) {
    return name + ": flags " + flags + " [MQTT-2.2.2-2]";
  }
  const r = new Reader(body);
  const packet = decodeBody(type, flags, r);
  if (packet === undefined) return name + ": not from a broker (section 3)";
  if (r.err === undefined && r.left() > 0) r.fail(r.left() + " bytes after the last field");
  return r.err === undefined ? packet : name + ": " + r.err;
}

/** What the device's decoder uses: a broker's packets only, the packet being buf[start, end). */
export function decodeFromBroker(first: number, buf: string, start: number, end: number): Packet | string {
  return decodeWith(first, buf.substring(start, end), brokerBody);
}
