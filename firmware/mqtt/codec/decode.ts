// Bytes -> Packet, one packet at a time: the fixed header's first byte and the body that its
// remaining length framed (decoder.ts does the framing). Malformed input is returned as a
// message naming the packet and the spec clause broken; nothing here throws.
import { utf8Error } from "./bytes";
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
  type QoS,
  type Subscription,
  type Will,
} from "./packets";
import { topicFilterError, topicNameError } from "./topic";

const NAMES =
  "reserved(0),CONNECT,CONNACK,PUBLISH,PUBACK,PUBREC,PUBREL,PUBCOMP,SUBSCRIBE,SUBACK,UNSUBSCRIBE,UNSUBACK,PINGREQ,PINGRESP,DISCONNECT,reserved(15)".split(
    ",",
  );

export function packetName(type: number): string {
  return NAMES[type];
}

/** A cursor over one packet body; the first problem found is kept in `err`. */
class Reader {
  b: string;
  p: number;
  err: string | undefined;
  constructor(body: string) {
    this.b = body;
    this.p = 0;
  }
  fail(problem: string | undefined): void {
    if (this.err === undefined) this.err = problem;
  }
  left(): number {
    return this.b.length - this.p;
  }
  u8(): number {
    if (this.p >= this.b.length) {
      this.fail("body ends before its fields do [MQTT-2.2.3]");
      return 0;
    }
    return this.b.charCodeAt(this.p++);
  }
  u16(): number {
    const high = this.u8();
    return high * 256 + this.u8();
  }
  id(): number {
    const id = this.u16();
    if (id === 0) this.fail("packet identifier 0 [MQTT-2.3.1-1]");
    return id;
  }
  /** Length-prefixed bytes (section 1.5.3); `text` also requires well-formed UTF-8. */
  bytes(text: boolean): string {
    const n = this.u16();
    if (n > this.left()) {
      this.fail("string length " + n + " runs past the end of the body [MQTT-1.5.3]");
      this.p = this.b.length;
      return "";
    }
    const s = this.b.substr(this.p, n);
    this.p += n;
    if (text) this.fail(utf8Error(s));
    return s;
  }
  rest(): string {
    const s = this.b.substr(this.p);
    this.p = this.b.length;
    return s;
  }
}

function connect(r: Reader): Packet {
  if (r.bytes(true) !== "MQTT") r.fail("protocol name is not 'MQTT' [MQTT-3.1.2-1]");
  if (r.u8() !== 4) r.fail("protocol level is not 4 [MQTT-3.1.2-2]");
  const flags = r.u8();
  if (flags & 1) r.fail("reserved connect flag set [MQTT-3.1.2-3]");
  const keepalive = r.u16();
  const clientId = r.bytes(true);
  const willQos = (flags >> 3) & 3;
  let will: Will | undefined;
  if (flags & 4) {
    if (willQos > 1) r.fail("will QoS " + willQos + " [MQTT-3.1.2-14]");
    const topic = r.bytes(true);
    r.fail(topicNameError(topic));
    will = { topic, payload: r.bytes(false), qos: willQos as QoS, retain: (flags & 32) !== 0 };
  } else if (flags & 56) r.fail("will QoS or retain without the will flag [MQTT-3.1.2-13]");
  if (flags & 64 && !(flags & 128)) r.fail("password without user name [MQTT-3.1.2-22]");
  const username = flags & 128 ? r.bytes(true) : undefined;
  const password = flags & 64 ? r.bytes(false) : undefined;
  const packet: Packet = { type: CONNECT, clientId, cleanSession: (flags & 2) !== 0, keepalive };
  if (will) packet.will = will;
  if (username !== undefined) packet.username = username;
  if (password !== undefined) packet.password = password;
  return packet;
}

function publish(r: Reader, flags: number): Packet {
  const qos = (flags >> 1) & 3;
  if (qos === 3) r.fail("both QoS bits set [MQTT-3.3.1-4]");
  if (qos === 2) r.fail("QoS 2, above the QoS 1 this client ever grants or asks for [MQTT-3.8.4-6]");
  if (qos === 0 && flags & 8) r.fail("DUP set on a QoS 0 message [MQTT-3.3.1-2]");
  const topic = r.bytes(true);
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

function subscribe(r: Reader): Packet {
  const id = r.id();
  const subscriptions: Subscription[] = [];
  while (r.left() > 0 && r.err === undefined) {
    const filter = r.bytes(true);
    r.fail(topicFilterError(filter));
    const qos = r.u8();
    if (qos > 2) r.fail("requested QoS byte " + qos + " [MQTT-3.8.3-4]");
    subscriptions.push({ filter, qos });
  }
  if (subscriptions.length === 0) r.fail("no topic filter [MQTT-3.8.3-3]");
  return { type: SUBSCRIBE, id, subscriptions };
}

function suback(r: Reader): Packet {
  const id = r.id();
  const granted: number[] = [];
  while (r.left() > 0) {
    const code = r.u8();
    if (code > 2 && code !== 0x80) r.fail("return code " + code + " [MQTT-3.9.3-2]");
    granted.push(code);
  }
  if (granted.length === 0) r.fail("no return code [MQTT-3.9.3-1]");
  return { type: SUBACK, id, granted };
}

function unsubscribe(r: Reader): Packet {
  const id = r.id();
  const filters: string[] = [];
  while (r.left() > 0 && r.err === undefined) {
    const filter = r.bytes(true);
    r.fail(topicFilterError(filter));
    filters.push(filter);
  }
  if (filters.length === 0) r.fail("no topic filter [MQTT-3.10.3-2]");
  return { type: UNSUBSCRIBE, id, filters };
}

function connack(r: Reader): Packet {
  const ack = r.u8();
  const returnCode = r.u8();
  if (ack & 254) r.fail("reserved acknowledge flags set (section 3.2.2.1)");
  if (returnCode > 5) r.fail("return code " + returnCode + " is reserved (section 3.2.2.3)");
  if (ack & 1 && returnCode !== 0) r.fail("session present with a refusal [MQTT-3.2.2-4]");
  return { type: CONNACK, sessionPresent: (ack & 1) !== 0, returnCode };
}

/** Decodes one whole packet: its first byte and its body. Returns the packet or an error. */
export function decodePacket(first: number, body: string): Packet | string {
  const type = first >> 4;
  const flags = first & 15;
  const name = NAMES[type];
  if (type === 0 || type === 15) return name + ": reserved packet type (section 2.2.1)";
  if (type >= 5 && type <= 7) return name + ": QoS 2 flow, never started by this client (section 4.3.3)";
  const expected = type === SUBSCRIBE || type === UNSUBSCRIBE ? 2 : 0;
  if (type !== PUBLISH && flags !== expected) {
    return name + ": invalid fixed header flags " + flags + " [MQTT-2.2.2-2]";
  }
  const r = new Reader(body);
  let packet: Packet;
  if (type === CONNECT) packet = connect(r);
  else if (type === CONNACK) packet = connack(r);
  else if (type === PUBLISH) packet = publish(r, flags);
  else if (type === SUBSCRIBE) packet = subscribe(r);
  else if (type === SUBACK) packet = suback(r);
  else if (type === UNSUBSCRIBE) packet = unsubscribe(r);
  else if (type === PUBACK || type === UNSUBACK) packet = { type, id: r.id() };
  else packet = { type } as Packet;
  if (r.err === undefined && r.left() > 0) r.fail(r.left() + " unexpected bytes after the last field");
  return r.err === undefined ? packet : name + ": " + r.err;
}
