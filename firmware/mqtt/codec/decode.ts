// Bytes -> Packet for the packets a broker sends a client (CONNACK, PUBLISH, PUBACK, SUBACK,
// UNSUBACK, PINGRESP): all the device needs, so the bundle carries nothing else.
// decode-any.ts adds the packets a client sends, for tests and host tools. Malformed input is
// returned as a message naming the packet and the spec clause broken, in the device's short
// form ("PUBLISH: [MQTT-3.3.1-4]"; explain.ts gives the words); nothing here throws.
import { PACKET_NAMES, type Packet, type QoS } from "./packets";
import { topicClause } from "./topic";

const SHORT = "[MQTT-2.2.3]";
const ID_0 = "[MQTT-2.3.1-1]";
const AFTER = " bytes after the last field";

/** The PUBLISH whose first byte is `first` and whose body is buf[start, end), or why not:
 *  the careful path. The decoder (decoder.ts) decodes the common case itself. */
export function decodePublish(first: number, buf: string, start: number, end: number): Packet | string {
  const qos = (first >> 1) & 3;
  const n = start + 1 < end ? buf.charCodeAt(start) * 256 + buf.charCodeAt(start + 1) : -1;
  const at = start + 2 + n + qos * 2;
  const topic = buf.substr(start + 2, n);
  const id = buf.charCodeAt(at - 2) * 256 + buf.charCodeAt(at - 1);
  const clause =
    qos > 1
      ? qos > 2
        ? "[MQTT-3.3.1-4]"
        : "[MQTT-3.8.4-6]"
      : first & 8 && !qos
        ? "[MQTT-3.3.1-2]"
        : n < 0
          ? SHORT
          : at - qos * 2 > end
            ? n + " [MQTT-1.5.3]"
            : topicClause(topic) || (at > end ? SHORT : qos && !id ? ID_0 : "");
  if (clause) return "PUBLISH: " + clause;
  const packet: Packet = {
    type: 3,
    topic,
    payload: buf.substring(at, end),
    qos: qos as QoS,
    retain: (first & 1) === 1,
    dup: (first & 8) === 8,
  };
  if (qos) packet.id = id;
  return packet;
}

/** The body `b` of a CONNACK, PUBACK, UNSUBACK, SUBACK or PINGRESP of type `type`, or why not
 *  (a string). The first problem found is named. */
function brokerPacket(type: number, b: string): Packet | string {
  const n = b.length;
  if (type === 13) return n ? n + AFTER : { type };
  if (type !== 2 && type !== 4 && type !== 11 && type !== 9) return "(section 3)";
  if (n < 2) return SHORT;
  const high = b.charCodeAt(0);
  const low = b.charCodeAt(1);
  const id = high * 256 + low;
  let packet: Packet;
  if (type === 2) {
    if (high & 254) return "(section 3.2.2.1)";
    if (low > 5) return low + " (section 3.2.2.3)";
    if (high && low) return "[MQTT-3.2.2-4]";
    packet = { type, sessionPresent: high === 1, returnCode: low };
  } else if (!id) return ID_0;
  else if (type === 9) {
    const granted: number[] = [];
    for (let i = 2; i < n; i++) {
      const code = b.charCodeAt(i);
      if (code > 2 && code !== 0x80) return code + " [MQTT-3.9.3-2]";
      granted.push(code);
    }
    return n > 2 ? { type, id, granted } : "[MQTT-3.9.3-1]";
  } else packet = { type: type as 4 | 11, id };
  return n > 2 ? n - 2 + AFTER : packet;
}

/** The fixed header's own problems (section 2.2), or undefined. SUBSCRIBE and UNSUBSCRIBE
 *  carry the flags 0010, every other packet but PUBLISH 0000. */
export function headerClause(type: number, flags: number): string | undefined {
  if (!type || type === 15) return "(section 2.2.1)";
  if (type > 4 && type < 8) return "(section 4.3.3)";
  if (type !== 3 && flags !== (type === 8 || type === 10 ? 2 : 0)) return flags + " [MQTT-2.2.2-2]";
  return undefined;
}

/** What the device's decoder uses: a broker's packets only, the packet being buf[start, end). */
export function decodeFromBroker(first: number, buf: string, start: number, end: number): Packet | string {
  const type = first >> 4;
  if (type === 3) return decodePublish(first, buf, start, end);
  const result = headerClause(type, first & 15) || brokerPacket(type, buf.substring(start, end));
  return typeof result === "object" ? result : PACKET_NAMES[type] + ": " + result;
}
