// What Espruino's regex engine (src/jsregex.c) cannot run. It supports `. * + [] ^ $ | ( )`
// and escapes, with at most 9 capture groups; it has no `?` quantifier, no `{n,m}`, no
// `(?...)` groups (non-capturing, lookaround, named) and no u/y/s/d flags.

export interface RegexProblem {
  feature: string;
  /** Offset in the pattern. */
  index: number;
}

const MAX_GROUPS = 9;
const UNSUPPORTED_FLAGS = "uysdv";

export function findUnsupportedRegex(pattern: string, flags: string): RegexProblem[] {
  const problems: RegexProblem[] = [];
  for (const flag of flags) {
    if (UNSUPPORTED_FLAGS.includes(flag)) problems.push({ feature: `regex flag '${flag}'`, index: -1 });
  }
  let inClass = false;
  let groups = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++; // an escape consumes the next character, in or out of a class
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "(") {
      if (pattern[i + 1] === "?") {
        problems.push({ feature: "regex group '(?' (non-capturing, lookaround or named)", index: i });
        i++;
      } else if (++groups === MAX_GROUPS + 1) {
        problems.push({ feature: `regex with more than ${MAX_GROUPS} capture groups`, index: i });
      }
    } else if (ch === "?") problems.push({ feature: "regex quantifier '?'", index: i });
    else if (ch === "{") problems.push({ feature: "regex quantifier '{n}'", index: i });
  }
  return problems;
}
