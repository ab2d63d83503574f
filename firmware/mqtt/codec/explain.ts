// The words for the device's short protocol errors. On the device a refusal names the packet
// and the clause it breaks, with at most one value before the clause ("PUBLISH: [MQTT-3.3.1-4]",
// "SUBACK: 3 [MQTT-3.9.3-2]"): the words would be bundle bytes and RAM on every device. Host
// tools and tests read them with the words put back ("PUBLISH: QoS 3 [MQTT-3.3.1-4]"). The
// firmware does not import this file.
import { PACKET_NAMES } from "./packets";

/** Clause -> words; `%` stands for the number the device put before the clause, `$` for
 *  the topic. A text already in words is left as it is. */
const WORDS: { [clause: string]: string } = {
  "[MQTT-1.5.3]": "string of % past the body",
  "[MQTT-1.5.3-1]": "bad UTF-8",
  "[MQTT-1.5.3-2]": "U+0000",
  "[MQTT-2.2.2-2]": "flags %",
  "[MQTT-2.2.3]": "body too short",
  "[MQTT-2.3.1-1]": "packet id 0",
  "[MQTT-3.2.2-4]": "session present, refused",
  "[MQTT-3.3.1-2]": "DUP at QoS 0",
  "[MQTT-3.3.1-4]": "QoS 3",
  "[MQTT-3.3.2-2]": "wildcard in '$'",
  "[MQTT-3.8.4-6]": "QoS 2",
  "[MQTT-3.9.3-1]": "no code",
  "[MQTT-3.9.3-2]": "code %",
  "[MQTT-4.7.3-1]": "empty topic",
  "(section 2.2.1)": "reserved type",
  "(section 3)": "not from a broker",
  "(section 3.2.2.1)": "reserved flags",
  "(section 3.2.2.3)": "code % reserved",
  "(section 4.3.3)": "QoS 2 flow",
};

/** `problem` (what follows "NAME: " in a device error) with its words, if it is in the
 *  device's short form; anything else is returned as it is. */
export function explainProblem(problem: string): string {
  const at = Math.max(problem.lastIndexOf("["), problem.lastIndexOf("(section"));
  const clause = at < 0 ? "" : problem.substr(at);
  const words = WORDS[clause];
  if (words === undefined) return problem;
  const value = at > 0 ? problem.substr(0, at - 1) : undefined;
  const slot = words.indexOf("%") >= 0 ? "%" : words.indexOf("$") >= 0 ? "$" : "";
  if (!slot !== (value === undefined)) return problem;
  // A number where one is due; a topic that is not already the words ("wildcard in '...'").
  if (slot === "%" ? !/^[0-9]+$/.test(value as string) : slot && (value as string).indexOf("wildcard in '") === 0) {
    return problem;
  }
  return (slot ? words.split(slot).join(value as string) : words) + " " + clause;
}

/** A text holding a device error "NAME: problem" (decode.ts), such as the session's
 *  "protocol error: PUBLISH: [MQTT-3.3.1-4]; retry in 1.2 s", with the words put in; any
 *  other text as it is. */
export function explain(text: string): string {
  let start = -1;
  let at = 0;
  for (let type = 0; type < 16; type++) {
    const found = text.indexOf(PACKET_NAMES[type] + ": ");
    if (found >= 0 && (start < 0 || found < start)) {
      start = found;
      at = found + PACKET_NAMES[type].length + 2;
    }
  }
  if (start < 0) return text;
  // The problem ends with its clause, the last "[MQTT-...]" or "(section ...)" of the text (a
  // topic before it may hold anything; what a log line adds after it holds no clause).
  const rest = text.substr(at);
  const bracket = rest.lastIndexOf("[MQTT-");
  const section = rest.lastIndexOf("(section ");
  const open = Math.max(bracket, section);
  const end = open < 0 ? -1 : rest.indexOf(open === bracket ? "]" : ")", open) + 1;
  if (end <= 0) return text;
  return text.substr(0, at) + explainProblem(rest.substr(0, end)) + rest.substr(end);
}
