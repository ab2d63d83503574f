// Bytes -> Packet for the packets a broker sends a client (CONNACK, PUBLISH, PUBACK, SUBACK,
// UNSUBACK, PINGRESP): all the device needs, so the bundle carries nothing else.
// decode-any.ts adds the packets a client sends, for tests and host tools. Malformed input is
// returned as a message naming the packet and the spec clause broken; nothing here throws.
import { CONNACK, PINGRESP, PUBLISH, SUBACK, type Packet, type QoS } from "./packets";
import { packetName } from "./reader";
import { SUSPECT, topicNameError } from "./topic";

const SHORT = "body too short [MQTT-2.2.3]";
const ID_0 = "packet id 0 [MQTT-2.3.1-1]";
const AFTER = " bytes after the last field";

function publishPacket(first: number, buf: string, start: number, end: number): Packet {
  const qos = (first >> 1) & 1;
  const n = buf.charCodeAt(start) * 256 + buf.charCodeAt(start + 1);
  const at = start + 2 + n + qos * 2;
  const packet: Packet = {
    type: PUBLISH,
    topic: buf.substr(start + 2, n),
    payload: buf.substring(at, end),
    qos: qos as QoS,
    retain: (first & 1) === 1,
    dup: (first & 8) === 8,
  };
  if (qos) packet.id = buf.charCodeAt(at - 2) * 256 + buf.charCodeAt(at - 1);
  return packet;
}

/** Why the PUBLISH in buf[start, end) is malformed, or the packet if it is well-formed after
 *  all (a topic with non-ASCII bytes): the careful path, out of the way of the fast one. */
function publishSlowly(first: number, buf: string, start: number, end: number): Packet | string {
  const qos = (first >> 1) & 3;
  const n = buf.charCodeAt(start) * 256 + buf.charCodeAt(start + 1);
  const at = start + 2 + n + qos * 2;
  let problem: string | undefined;
  if (qos > 1) problem = qos > 2 ? "QoS 3 [MQTT-3.3.1-4]" : "QoS 2 [MQTT-3.8.4-6]";
  else if (!qos && first & 8) problem = "DUP at QoS 0 [MQTT-3.3.1-2]";
  else if (end - start < 2) problem = SHORT;
  else if (at - qos * 2 > end) problem = "string of " + n + " past the body [MQTT-1.5.3]";
  else {
    problem = topicNameError(buf.substr(start + 2, n));
    if (problem === undefined && at > end) problem = SHORT;
    if (problem === undefined && qos && !(buf.charCodeAt(at - 2) || buf.charCodeAt(at - 1))) problem = ID_0;
    if (problem === undefined) return publishPacket(first, buf, start, end);
  }
  return "PUBLISH: " + problem;
}

/**
 * The PUBLISH whose first byte is `first` and whose body is buf[start, end), or why not.
 * Nearly every packet a device receives comes here, and Espruino lexes every token of a
 * function again on every call, skipped ones included (src/jsparse.c): the common case, a
 * well-formed packet with an ASCII topic (one regex pass, topic.ts), is a few native string
 * calls; everything else goes to publishSlowly, which names the problem.
 */
export function decodePublish(first: number, buf: string, start: number, end: number): Packet | string {
  const qos = (first >> 1) & 3;
  const n = buf.charCodeAt(start) * 256 + buf.charCodeAt(start + 1);
  const at = start + 2 + n + qos * 2;
  // NaN (a body under two bytes) fails `at <= end`; DUP at QoS 0 is first & 14 === 8.
  if (at <= end && n && qos < 2 && (first & 14) !== 8) {
    const topic = buf.substr(start + 2, n);
    const id = qos ? buf.charCodeAt(at - 2) * 256 + buf.charCodeAt(at - 1) : 1;
    if (id && !SUSPECT.test(topic)) {
      const packet: Packet = {
        type: PUBLISH,
        topic,
        payload: buf.substring(at, end),
        qos: qos as QoS,
        retain: (first & 1) === 1,
        dup: (first & 8) === 8,
      };
      if (qos) packet.id = id;
      return packet;
    }
  }
  return publishSlowly(first, buf, start, end);
}

/** The body `b` of a CONNACK, PUBACK, UNSUBACK, SUBACK or PINGRESP, or why not (a string),
 *  or undefined for a type a broker does not send. The first problem found is named. */
function brokerPacket(type: number, b: string): Packet | string | undefined {
  const n = b.length;
  if (type === PINGRESP) return n ? n + AFTER : { type: PINGRESP };
  if (type !== CONNACK && type !== 4 && type !== 11 && type !== SUBACK) return undefined;
  if (n < 2) return SHORT;
  const high = b.charCodeAt(0);
  const low = b.charCodeAt(1);
  let packet: Packet;
  if (type === CONNACK) {
    if (high & 254) return "reserved flags (section 3.2.2.1)";
    if (low > 5) return "code " + low + " reserved (section 3.2.2.3)";
    if (high && low) return "session present, refused [MQTT-3.2.2-4]";
    packet = { type, sessionPresent: high === 1, returnCode: low };
  } else if (!(high || low)) return ID_0;
  else if (type !== SUBACK) packet = { type: type as 4 | 11, id: high * 256 + low };
  else {
    const granted: number[] = [];
    for (let i = 2; i < n; i++) {
      const code = b.charCodeAt(i);
      if (code > 2 && code !== 0x80) return "code " + code + " [MQTT-3.9.3-2]";
      granted.push(code);
    }
    return granted.length ? { type, id: high * 256 + low, granted } : "no code [MQTT-3.9.3-1]";
  }
  return n > 2 ? n - 2 + AFTER : packet;
}

/** The fixed header's own problems (section 2.2), or undefined. */
export function headerError(type: number, flags: number): string | undefined {
  if (type === 0 || type === 15) return "reserved type (section 2.2.1)";
  if (type >= 5 && type <= 7) return "QoS 2 flow (section 4.3.3)";
  // SUBSCRIBE and UNSUBSCRIBE carry the flags 0010, every other packet but PUBLISH 0000.
  if (type !== PUBLISH && flags !== (type === 8 || type === 10 ? 2 : 0)) return "flags " + flags + " [MQTT-2.2.2-2]";
  return undefined;
}

/** What the device's decoder uses: a broker's packets only, the packet being buf[start, end). */
export function decodeFromBroker(first: number, buf: string, start: number, end: number): Packet | string {
  const type = first >> 4;
  if (type === PUBLISH) return decodePublish(first, buf, start, end);
  const result = headerError(type, first & 15) || brokerPacket(type, buf.substring(start, end));
  if (typeof result === "object") return result;
  return packetName(type) + ": " + (result || "not from a broker (section 3)");
}
