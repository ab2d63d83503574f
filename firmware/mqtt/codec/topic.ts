// Topic names a PUBLISH carries, checked as the device receives them (section 4.7). The device
// never checks the topics it publishes or subscribes to: it builds them from names its profile
// check allows (app/profile-check.ts), once, at boot. Host code checks what it encodes
// (checks.ts).
import { utf8Clause } from "./bytes";

/** Any character but ASCII 0x01-0x7F other than '#' and '+'. A topic without one is a valid
 *  topic name as it stands: one native regex pass decides it (src/jswrap_regexp.c), where a
 *  JavaScript loop costs about 20 µs a byte on Espruino (docs/espruino.md). Only a topic
 *  with one goes on to the exact check. */
// eslint-disable-next-line no-control-regex -- NUL (0x00) is exactly what it must catch
export const SUSPECT = /[^\x01-\x22\x24-\x2a\x2c-\x7f]/;

/** The clause the received topic name `topic` breaks (a wildcard one preceded by the topic:
 *  the device's short form, explain.ts gives the words), or undefined. */
export function topicClause(topic: string): string | undefined {
  if (!topic) return "[MQTT-4.7.3-1]";
  if (!SUSPECT.test(topic)) return undefined;
  if (topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0) return topic + " [MQTT-3.3.2-2]";
  return utf8Clause(topic);
}
