// Where the CA key's passphrase comes from, in this order: LATCHKEY_CA_PASSPHRASE, a file
// named by LATCHKEY_CA_PASSPHRASE_FILE (which must be 0600 or stricter: nobody else may read
// it), or a prompt on the terminal with echo off. Nothing here prints the passphrase.
import { readFileSync, statSync } from "node:fs";
import { PassphraseError } from "./keys.ts";

/** The passphrase the environment gives, if any (no prompt). */
export function passphraseFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.LATCHKEY_CA_PASSPHRASE) return env.LATCHKEY_CA_PASSPHRASE;
  const file = env.LATCHKEY_CA_PASSPHRASE_FILE;
  if (!file) return undefined;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new PassphraseError(`LATCHKEY_CA_PASSPHRASE_FILE ${file}: not found`);
  }
  if ((mode & 0o077) !== 0) {
    throw new PassphraseError(
      `LATCHKEY_CA_PASSPHRASE_FILE ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
    );
  }
  const text = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  if (text === "") throw new PassphraseError(`LATCHKEY_CA_PASSPHRASE_FILE ${file} is empty`);
  return text;
}

/** Reads one line from the terminal without echo; undefined when stdin is not a terminal. */
export async function promptHidden(question: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!input.isTTY) return undefined;
  // Echo off before the question: an answer typed the moment it appears is not shown.
  input.setRawMode(true);
  input.resume();
  process.stderr.write(question);
  let answer = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            input.off("data", onData);
            resolve(answer);
            return;
          }
          if (ch === "\u0003" || ch === "\u0004") {
            input.off("data", onData);
            reject(new PassphraseError("passphrase entry cancelled"));
            return;
          }
          if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write("\n");
  }
}

/** The passphrase for an existing encrypted CA key: environment first, then the terminal. */
export async function askPassphrase(): Promise<string | undefined> {
  return passphraseFromEnvironment() ?? (await promptHidden("CA key passphrase: "));
}

/** For `init`: a new passphrase (asked twice on a terminal), or undefined for none. */
export async function newPassphrase(): Promise<string | undefined> {
  const given = passphraseFromEnvironment();
  if (given !== undefined) return given;
  const first = await promptHidden("new CA key passphrase (empty: the key is not encrypted): ");
  if (!first) return undefined;
  const second = await promptHidden("the same passphrase again: ");
  if (second !== first) throw new PassphraseError("the two passphrases differ: nothing was created");
  return first;
}
