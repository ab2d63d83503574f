// What `npm start` shows and what it understands. Typed words: on, off and pulse are signed
// relay commands (as `npm run command` sends them); help lists them; anything else (exit,
// a typo) is refused here and never sent. The view: an update's chunks become one progress
// line per quarter instead of 1 KB of minified code each, and the device's "Not enough
// memory" at a TLS reconnect (Espruino frees a closed connection's TLS memory late,
// docs/espruino.md) is said in words with its retry.

/** The words the console sends, and the command each stands for. */
export const WORDS: Record<string, string> = { on: "ON", off: "OFF", pulse: "PULSE" };

export type Typed = { send: string } | { say: string } | undefined;

/** What a typed line means: a command to sign and send, or a line to say (never sent). */
export function typed(line: string): Typed {
  const word = line.trim().toLowerCase();
  if (word === "") return undefined;
  if (WORDS[word]) return { send: WORDS[word] };
  const known = `${Object.keys(WORDS).join(", ")} (signed relay commands) or help; Ctrl-C stops everything`;
  if (word === "help" || word === "?") return { say: `words: ${known}` };
  return { say: `'${line.trim()}' is not a command here (nothing was sent): ${known}` };
}

/** A command's verified result as one statement: "PULSE done: relay pulsed for 500 ms"; a
 *  refusal the device already words as one ("PULSE ignored: a press is running ...") as it is,
 *  any other as "ON refused: bad signature". */
export function resultLine(cmd: string, result: { accepted: boolean; detail: string }): string {
  if (result.accepted) return `${cmd} done: ${result.detail}`;
  return result.detail.startsWith(`${cmd} `) ? result.detail : `${cmd} refused: ${result.detail}`;
}

/** A device line in user's words. */
export function deviceLine(line: string): string {
  return line.replace(
    /TLS setup failed: (mbedtls_ssl_setup: )?Not enough memory/,
    "the TLS connection could not be set up yet (the device is still freeing the previous one's memory)",
  );
}

/** Follows an update on the broker: the manifest's size, then the chunks' offsets. */
export class UpdateProgress {
  private size = 0;
  private shown = -1;

  /** The line to show for `topic`, undefined to show nothing, or null to show it as usual. */
  line(topic: string, payload: string): string | undefined | null {
    if (topic.endsWith("/ota/set")) {
      const size = /OTA \S+ (\d+) [0-9a-f]{64}/.exec(payload);
      this.size = size ? Number(size[1]) : 0;
      this.shown = -1;
      return size ? `update: ${this.size} bytes announced (signed manifest)` : null;
    }
    if (!topic.endsWith("/otadata/set")) return null;
    const chunk = /^(\d+) /.exec(payload);
    if (!chunk || this.size === 0) return undefined;
    const received = Number(chunk[1]) + payload.length - chunk[0].length;
    const quarter = Math.min(4, Math.floor((4 * received) / this.size));
    if (quarter === this.shown) return undefined;
    this.shown = quarter;
    return `update: ${received} of ${this.size} bytes sent (${quarter * 25}%)`;
  }
}
