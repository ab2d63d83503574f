// Topic names (what a PUBLISH carries) and topic filters (what a SUBSCRIBE asks for), checked
// before anything is encoded (section 4.7). Both are byte strings of UTF-8.
import { utf8Error } from "./bytes";

/** Why `topic` cannot be published to, or undefined. */
export function topicNameError(topic: string): string | undefined {
  if (topic.length === 0) return "empty topic name [MQTT-4.7.3-1]";
  if (topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0) {
    return "wildcard in topic name '" + topic + "' [MQTT-3.3.2-2]";
  }
  return utf8Error(topic);
}

/** Why `filter` cannot be subscribed to, or undefined. */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) return "empty topic filter [MQTT-4.7.3-1]";
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.indexOf("#") >= 0 && (level !== "#" || i !== levels.length - 1)) {
      return "'#' must be a whole level and the last one in '" + filter + "' [MQTT-4.7.1-2]";
    }
    if (level.indexOf("+") >= 0 && level !== "+") {
      return "'+' must be a whole level in '" + filter + "' [MQTT-4.7.1-3]";
    }
  }
  return utf8Error(filter);
}
