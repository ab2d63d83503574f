// Topic names a PUBLISH carries, checked as the device receives them (section 4.7). The device
// never checks the topics it publishes or subscribes to: it builds them from names its profile
// check allows (app/profile/profile-check.ts), once, at boot. Host code checks what it encodes
// (checks.ts).
import { utf8Clause } from "./bytes";

/** Any character outside "-" (0x2d) to "z" (0x7a): a topic without one (letters, digits,
 *  "-./:_" and the like) is a valid topic name as it stands, with no NUL, no wildcard ("#" is
 *  0x23, "+" 0x2b) and no byte over 0x7f. One native regex pass decides it (src/jswrap_regexp.c):
 *  about 12 µs for 30 bytes on the Linux build, where a JavaScript loop costs about 20 µs a
 *  byte (docs/espruino.md), and one range is cheaper than the exact set of ranges. A topic
 *  with one goes on to the exact check. */
export const SUSPECT = /[^\x2d-\x7a]/;

/** The clause the received topic name `topic` breaks (a wildcard one preceded by the topic:
 *  the device's short form, explain.ts gives the words), or undefined. */
export function topicClause(topic: string): string | undefined {
  if (!topic) return "[MQTT-4.7.3-1]";
  if (!SUSPECT.test(topic)) return undefined;
  if (topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0) return topic + " [MQTT-3.3.2-2]";
  return utf8Clause(topic);
}
