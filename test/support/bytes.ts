// Byte strings for tests, written the way the spec's tables are: hex bytes and quoted text.
// bytes(0x10, 0x0c, "MQTT") === "\x10\x0cMQTT".
export function bytes(...parts: (number | string)[]): string {
  return parts.map((p) => (typeof p === "number" ? String.fromCharCode(p) : p)).join("");
}

/** "10 0c 4d" style, for failure messages. */
export function hex(s: string): string {
  return Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
}
