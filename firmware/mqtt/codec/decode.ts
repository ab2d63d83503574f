// Bytes -> Packet for the packets a broker sends a client (CONNACK, PUBACK, SUBACK, UNSUBACK,
// PINGRESP; PUBLISH, nearly every packet, the decoder decodes itself, decoder.ts): all the
// device needs, so the bundle carries nothing else.
// decode-any.ts adds the packets a client sends, for tests and host tools. Malformed input is
// returned as a message naming the packet and the spec clause broken, in the device's short
// form ("PUBLISH: [MQTT-3.3.1-4]"; explain.ts gives the words); nothing here throws.
import {
  CONNACK,
  PACKET_NAMES,
  PINGRESP,
  PUBACK,
  PUBLISH,
  SUBACK,
  SUBACK_FAILURE,
  SUBSCRIBE,
  UNSUBACK,
  UNSUBSCRIBE,
  type Packet,
} from "./packets";

export const SHORT = "[MQTT-2.2.3]";
export const ID_0 = "[MQTT-2.3.1-1]";
const AFTER = " bytes after the last field";

/** The body `b` of a CONNACK, PUBACK, UNSUBACK, SUBACK or PINGRESP of type `type`, or why not
 *  (a string). The first problem found is named. */
function brokerPacket(type: number, b: string): Packet | string {
  const n = b.length;
  if (type === PINGRESP) return n ? n + AFTER : { type };
  if (type !== CONNACK && type !== PUBACK && type !== UNSUBACK && type !== SUBACK) return "(section 3)";
  if (n < 2) return SHORT;
  const high = b.charCodeAt(0);
  const low = b.charCodeAt(1);
  const id = high * 256 + low;
  let packet: Packet;
  if (type === CONNACK) {
    if (high & 254) return "(section 3.2.2.1)";
    if (low > 5) return low + " (section 3.2.2.3)";
    if (high && low) return "[MQTT-3.2.2-4]";
    packet = { type, sessionPresent: high === 1, returnCode: low };
  } else if (!id) return ID_0;
  else if (type === SUBACK) {
    const granted: number[] = [];
    for (let i = 2; i < n; i++) {
      const code = b.charCodeAt(i);
      if (code > 2 && code !== SUBACK_FAILURE) return code + " [MQTT-3.9.3-2]";
      granted.push(code);
    }
    return n > 2 ? { type, id, granted } : "[MQTT-3.9.3-1]";
  } else packet = { type: type as typeof PUBACK | typeof UNSUBACK, id };
  return n > 2 ? n - 2 + AFTER : packet;
}

/** The fixed header's own problems (section 2.2), or undefined. SUBSCRIBE and UNSUBSCRIBE
 *  carry the flags 0010, every other packet but PUBLISH 0000. */
export function headerClause(type: number, flags: number): string | undefined {
  if (!type || type === 15) return "(section 2.2.1)";
  if (type > PUBACK && type < SUBSCRIBE) return "(section 4.3.3)";
  if (type !== PUBLISH && flags !== (type === SUBSCRIBE || type === UNSUBSCRIBE ? 2 : 0))
    return flags + " [MQTT-2.2.2-2]";
  return undefined;
}

/** What the device's decoder uses: a broker's packets only, the packet being buf[start, end).
 *  Not PUBLISH: the decoder decodes that itself (decoder.ts). */
export function decodeFromBroker(first: number, buf: string, start: number, end: number): Packet | string {
  const type = first >> 4;
  const result = headerClause(type, first & 15) || brokerPacket(type, buf.substring(start, end));
  return typeof result === "object" ? result : PACKET_NAMES[type] + ": " + result;
}
