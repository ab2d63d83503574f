// Topic names (what a PUBLISH carries) and topic filters (what a SUBSCRIBE asks for), checked
// before anything is encoded (section 4.7). Both are byte strings of UTF-8.
import { utf8Error } from "./bytes";

/** Any character but ASCII 0x01-0x7F other than '#' and '+'. A topic without one is a valid
 *  topic name as it stands: one native regex pass decides it (src/jswrap_regexp.c), where a
 *  JavaScript loop costs about 20 µs a byte on Espruino (docs/espruino.md). Only a topic
 *  with one goes on to the exact check. */
// eslint-disable-next-line no-control-regex -- NUL (0x00) is exactly what it must catch
export const SUSPECT = /[^\x01-\x22\x24-\x2a\x2c-\x7f]/;

/** Why `topic` cannot be published to, or undefined. */
export function topicNameError(topic: string): string | undefined {
  if (topic.length === 0) return "empty topic [MQTT-4.7.3-1]";
  if (topic.length <= 65535 && !SUSPECT.test(topic)) return undefined;
  if (topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0) return "wildcard in '" + topic + "' [MQTT-3.3.2-2]";
  return utf8Error(topic);
}

/** Why `filter` cannot be subscribed to, or undefined. */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) return "empty filter [MQTT-4.7.3-1]";
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.indexOf("#") >= 0 && (level !== "#" || i !== levels.length - 1)) {
      return "'#' not alone or not last in '" + filter + "' [MQTT-4.7.1-2]";
    }
    if (level.indexOf("+") >= 0 && level !== "+") return "'+' not alone in '" + filter + "' [MQTT-4.7.1-3]";
  }
  return utf8Error(filter);
}
