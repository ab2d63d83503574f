// The checks host code makes before it encodes or after it decodes a client's packet, in
// words: the device builds its topics and CONNECT from a checked profile and checks only what
// it receives (topic.ts). Used by encode-any.ts, decode-any.ts and reader.ts; the firmware does
// not import this file.
import { utf8Clause } from "./bytes";
import { explainProblem } from "./explain";
import { topicClause } from "./topic";

/**
 * Why `bytes` is not acceptable as an MQTT UTF-8 string, or undefined when it is: at most
 * 65535 bytes (section 1.5.3), one byte per character (the caller encodes text to UTF-8
 * bytes first), and well-formed UTF-8 without U+0000 (utf8Clause).
 */
export function utf8Error(bytes: string): string | undefined {
  if (bytes.length > 65535) return "over 65535 bytes [MQTT-1.5.3]";
  for (let i = 0; i < bytes.length; i++) if (bytes.charCodeAt(i) > 255) return "not a byte string (encode as UTF-8)";
  const clause = utf8Clause(bytes);
  return clause && explainProblem(clause);
}

/** Why `topic` cannot be published to, or undefined. */
export function topicNameError(topic: string): string | undefined {
  const clause = topicClause(topic);
  // A UTF-8 clause: utf8Error says more (the length, a character over 255) when it applies.
  if (topic.length > 65535 || (clause && clause.indexOf("[MQTT-1.5.3-") >= 0)) return utf8Error(topic);
  return clause && explainProblem(clause);
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
