// From an MQTT message to an action, with the signature check in between: nothing reaches the
// relay (or any later actuator) without passing the CommandGate. The device cannot
// authenticate its broker (Espruino's TLS never checks the server certificate,
// docs/espruino.md), so every command is signed end to end (docs/protocol.md):
// {"cmd","nonce","mac"} with mac = HMAC-SHA256(commandKey, COMMAND_PREFIX + topic + "\n" +
// nonce + "\n" + cmd), the nonce being the device's live one (auth.ts, Nonces).
import { COMMAND_PREFIX, isHex, NOT_LIVE, printable, sameMac, type Nonces } from "./auth";
import type { RelayBehaviour } from "../profile/profile";
import type { Relay } from "../actuators/relay";

/** The longest command payload read at all; anything longer is refused unparsed. */
export const MAX_COMMAND_BYTES = 384;
/** The refusal of anything that is not {"cmd":string,"nonce":16 hex,"mac":64 hex}. */
export const UNSIGNED = "unsigned command";
/** The longest command text (`cmd`). */
export const MAX_CMD_CHARS = 200;

export interface Verdict {
  /** The verified command text, when accepted. */
  command?: string;
  /** Why the message was refused, when not. */
  refused?: string;
  /** The command's MAC once it verified: the result refers to it (docs/protocol.md). */
  mac?: string;
}

export interface CommandGate {
  verify(topic: string, payload: string): Verdict;
}

/** What an action did, or why it did nothing (and the verified command's MAC, for the result). */
export interface Outcome {
  done?: string;
  refused?: string;
  mac?: string;
}

interface SignedCommand {
  cmd?: unknown;
  nonce?: unknown;
  mac?: unknown;
}

/** The gate: a well-formed, correctly signed command for this topic carrying the live nonce,
 *  still fresh. The MAC is checked before the nonce, so a forged command never uses it up. */
export function signedGate(mac: (text: string) => string, nonces: Nonces): CommandGate {
  return {
    verify: (topic, payload) => {
      let message: SignedCommand | undefined;
      try {
        message = JSON.parse(payload);
      } catch {
        message = undefined;
      }
      const m = (message || {}) as SignedCommand;
      const cmd = m.cmd as string;
      const nonce = m.nonce as string;
      const sig = m.mac as string;
      // The first refusal in this order; the nonce is taken only from a correctly signed one,
      // and only then is its MAC the command's name in the result (never a MAC that failed).
      const refused =
        typeof cmd !== "string" || !isHex(nonce, 16) || !isHex(sig, 64)
          ? UNSIGNED
          : cmd.length > MAX_CMD_CHARS || !printable(cmd)
            ? "bad command text"
            : !sameMac(mac(COMMAND_PREFIX + topic + "\n" + nonce + "\n" + cmd), sig)
              ? "bad signature"
              : undefined;
      if (refused) return { refused };
      const late = nonces.take(nonce);
      return late ? { refused: late, mac: sig } : { command: cmd, mac: sig };
    },
  };
}

/**
 * The relay's commands: "ON", "OFF", "PULSE". In pulse mode ON is one press of pulseMs;
 * PULSE is one press in either mode; a press is ignored while one runs and for lockoutMs
 * after it. OFF is always obeyed. Returns what was done, or why nothing was.
 */
export function applyCommand(relay: Relay, behaviour: RelayBehaviour, command: string): Outcome {
  const word = command.toUpperCase();
  if (word === "OFF") {
    relay.off();
    return { done: "relay OFF" };
  }
  if (word !== "ON" && word !== "PULSE")
    return { refused: "unknown command '" + command.substr(0, 32) + "' (ON, OFF or PULSE)" };
  if (behaviour.mode === "pulse" || word === "PULSE") {
    if (!relay.pulse(behaviour.pulseMs, behaviour.lockoutMs))
      return { refused: word + " ignored: a press is running or in its " + behaviour.lockoutMs + " ms lockout" };
    return { done: "relay pulsed for " + behaviour.pulseMs + " ms" };
  }
  relay.set(true);
  return { done: "relay ON" };
}

/** The whole path: oversized messages refused, the gate, then `action` with the verified
 *  command text. A retained message is refused, but only after the gate (so a copy with the
 *  live nonce uses it up and is never obeyed later either). The result names the command by
 *  its MAC once it verified, except a retained copy that used no nonce (named by its hash
 *  then, so a broker's retained copies are never answered as commands the device obeyed). */
export function handleCommand(
  gate: CommandGate,
  topic: string,
  payload: string,
  retained: boolean,
  action: (command: string) => Outcome,
): Outcome {
  if (payload.length > MAX_COMMAND_BYTES)
    return { refused: "command of " + payload.length + " bytes (max " + MAX_COMMAND_BYTES + ")" };
  const verdict = gate.verify(topic, payload);
  // A retained command would be obeyed again at every reconnect (one press per Wi-Fi blip).
  const outcome: Outcome = retained
    ? { refused: "retained message refused" }
    : verdict.command === undefined
      ? { refused: verdict.refused }
      : action(verdict.command);
  if (!retained || verdict.refused !== NOT_LIVE) outcome.mac = verdict.mac;
  return outcome;
}
