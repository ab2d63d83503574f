// The session's own wire words (session.ts): the packets it writes whole, CONNACK's refusals
// in words, and the shape of a QoS 1 message it holds until PUBACK.
/** PINGREQ and DISCONNECT: a fixed header alone (sections 3.12, 3.14). */
export const PINGREQ_PACKET = "\xc0\x00";
export const DISCONNECT_PACKET = "\xe0\x00";

/** CONNACK refusals (section 3.2.2.3), by return code 1-5. */
export const REFUSALS =
  ",protocol version refused,client id refused,server unavailable,bad user or password,not authorized".split(",");

/** A QoS 1 PUBLISH awaiting its PUBACK: its bytes, and whether they were written. (Names
 *  ending in "_" are the bundle's own: minified, build/build.ts.) */
export interface Held {
  id: number;
  wire_: string;
  sent_: boolean;
}
