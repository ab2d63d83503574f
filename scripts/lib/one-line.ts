/** An error message as exactly one line: Node's multi-line argument errors joined, and any
 *  control character a user typed into a name (a newline in `--devices`) shown escaped. */
export function oneLine(message: string, parseError: boolean): string {
  const text = parseError ? message.replace(/\s*\n\s*/g, " ") : message;
  return [...text].map((c) => (c < " " || c === "\u007f" ? JSON.stringify(c).slice(1, -1) : c)).join("");
}
