// Bytes -> Packet for every MQTT 3.1.1 packet a client sends or receives, as the Decoder's
// decode function (decoder.ts decodes PUBLISH itself): the broker's (decode.ts) plus CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT. Used by tests and
// host tools (a fake broker reads what the device wrote); the firmware does not import it.
// Errors come in words: the device's short ones are explained (explain.ts).
import { topicFilterError, topicNameError } from "./checks";
import { decodeFromBroker, headerClause } from "./decode";
import { explain } from "./explain";
import {
  PACKET_NAMES,
  CONNECT,
  PINGREQ,
  PUBLISH,
  SUBSCRIBE,
  UNSUBSCRIBE,
  type Packet,
  type QoS,
  type Subscription,
  type Will,
} from "./packets";
import { Reader } from "./reader";

function connect(r: Reader): Packet {
  if (r.bytes(true) !== "MQTT") r.fail("protocol not MQTT [MQTT-3.1.2-1]");
  if (r.u8() !== 4) r.fail("level not 4 [MQTT-3.1.2-2]");
  const flags = r.u8();
  if (flags & 1) r.fail("reserved flag [MQTT-3.1.2-3]");
  const keepalive = r.u16();
  const clientId = r.bytes(true);
  const willQos = (flags >> 3) & 3;
  let will: Will | undefined;
  if (flags & 4) {
    if (willQos > 1) r.fail("will QoS " + willQos + " [MQTT-3.1.2-14]");
    const topic = r.bytes(true);
    r.fail(topicNameError(topic));
    will = { topic, payload: r.bytes(false), qos: willQos as QoS, retain: (flags & 32) !== 0 };
  } else if (flags & 56) r.fail("will QoS or retain, no will [MQTT-3.1.2-13]");
  if (flags & 64 && !(flags & 128)) r.fail("password, no user [MQTT-3.1.2-22]");
  const username = flags & 128 ? r.bytes(true) : undefined;
  const password = flags & 64 ? r.bytes(false) : undefined;
  const packet: Packet = { type: CONNECT, clientId, cleanSession: (flags & 2) !== 0, keepalive };
  if (will) packet.will = will;
  if (username !== undefined) packet.username = username;
  if (password !== undefined) packet.password = password;
  return packet;
}

function subscribe(r: Reader): Packet {
  const id = r.id();
  const subscriptions: Subscription[] = [];
  while (r.left() > 0 && r.err === undefined) {
    const filter = r.bytes(true);
    r.fail(topicFilterError(filter));
    const qos = r.u8();
    if (qos > 2) r.fail("QoS " + qos + " [MQTT-3.8.3-4]");
    subscriptions.push({ filter, qos });
  }
  if (subscriptions.length === 0) r.fail("no filter [MQTT-3.8.3-3]");
  return { type: SUBSCRIBE, id, subscriptions };
}

function unsubscribe(r: Reader): Packet {
  const id = r.id();
  const filters: string[] = [];
  while (r.left() > 0 && r.err === undefined) {
    const filter = r.bytes(true);
    r.fail(topicFilterError(filter));
    filters.push(filter);
  }
  if (filters.length === 0) r.fail("no filter [MQTT-3.10.3-2]");
  return { type: UNSUBSCRIBE, id, filters };
}

/** The PUBLISH whose first byte `first` (0x30-0x3b: bit 3 DUP, bit 1 QoS 1, bit 0 RETAIN) was
 *  found well-formed, as a packet object; `id`, two bytes, counts at QoS 1 only. */
export function publishPacket(topic: string, payload: string, first: number, id: string): Packet {
  const packet: Packet = {
    type: PUBLISH,
    topic,
    payload,
    qos: ((first >> 1) & 1) as QoS,
    retain: (first & 1) === 1,
    dup: first > 55,
  };
  if (first & 2) packet.id = id.charCodeAt(0) * 256 + id.charCodeAt(1);
  return packet;
}

/** Decodes any packet, whoever sent it: the packet is buf[start, end). */
export function decodeAny(first: number, buf: string, start: number, end: number): Packet | string {
  const type = first >> 4;
  const fromClient = type === CONNECT || type === SUBSCRIBE || type === UNSUBSCRIBE || type === PINGREQ || type === 14;
  if (!fromClient || headerClause(type, first & 15) !== undefined) {
    const packet = decodeFromBroker(first, buf, start, end);
    return typeof packet === "string" ? explain(packet) : packet;
  }
  const r = new Reader(buf.substring(start, end));
  const packet: Packet =
    type === CONNECT
      ? connect(r)
      : type === SUBSCRIBE
        ? subscribe(r)
        : type === UNSUBSCRIBE
          ? unsubscribe(r)
          : { type };
  if (r.err === undefined && r.left() > 0) r.fail(r.left() + " bytes after the last field");
  return r.err === undefined ? packet : PACKET_NAMES[type] + ": " + r.err;
}
/** The decoder's own PUBLISH refusals, in words too. */
decodeAny.explain = explain;
/** For a push without a PUBLISH handler: each PUBLISH as its packet object, to `onPacket`. */
decodeAny.packet =
  (onPacket: (packet: Packet) => void) => (topic: string, payload: string, first: number, id: string) =>
    onPacket(publishPacket(topic, payload, first, id));
