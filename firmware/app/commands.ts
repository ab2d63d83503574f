// From an MQTT message to a relay action, with the verification step in between: nothing
// reaches the relay without passing a CommandGate. The device cannot authenticate its broker
// (Espruino's TLS never checks the server certificate, PLATFORM.md), so the gate is where
// end-to-end signed commands (HMAC-SHA256 with a per-device key and a counter) will be checked.
import type { RelayBehaviour } from "./profile";
import type { Relay } from "./relay";

/** The longest command payload read at all; anything longer is refused unread. */
export const MAX_COMMAND_BYTES = 256;

export interface Verdict {
  /** The verified command text, when accepted. */
  command?: string;
  /** Why the message was refused, when not. */
  refused?: string;
}

export interface CommandGate {
  verify(topic: string, payload: string): Verdict;
}

/** The gate until signed commands exist: it takes the broker's word, and says so at boot. */
export const TRUST_BROKER: CommandGate = {
  verify: (_topic, payload) => ({ command: payload }),
};

/**
 * Applies a verified command: "ON" / "OFF" (any case, surrounding spaces ignored). In pulse
 * mode ON is one press of pulseMs, ignored while a press runs and for lockoutMs after it.
 * OFF is always obeyed. Returns what was done, or why nothing was.
 */
export function applyCommand(
  relay: Relay,
  behaviour: RelayBehaviour,
  command: string,
): { done?: string; refused?: string } {
  const word = command.trim().toUpperCase();
  if (word === "OFF") {
    relay.off();
    return { done: "relay OFF" };
  }
  if (word !== "ON") return { refused: "unknown command '" + command.substr(0, 32) + "' (ON or OFF)" };
  if (behaviour.mode === "pulse") {
    if (!relay.pulse(behaviour.pulseMs, behaviour.lockoutMs))
      return { refused: "ON ignored: a press is running or in its " + behaviour.lockoutMs + " ms lockout" };
    return { done: "relay pulsed for " + behaviour.pulseMs + " ms" };
  }
  relay.set(true);
  return { done: "relay ON" };
}

/** Retained and oversized messages refused, then the gate: the verified command text or why not.
 *  Every command topic (relays, cover) goes through here before its handler. */
export function verifyCommand(gate: CommandGate, topic: string, payload: string, retained: boolean): Verdict {
  // A retained command would be obeyed again at every reconnect (one press per Wi-Fi blip).
  if (retained) return { refused: "retained message: a stored command is never obeyed" };
  if (payload.length > MAX_COMMAND_BYTES)
    return { refused: "command of " + payload.length + " bytes (max " + MAX_COMMAND_BYTES + ")" };
  const verdict = gate.verify(topic, payload);
  if (verdict.command === undefined) return { refused: verdict.refused || "not verified" };
  return verdict;
}

/** The whole path: retained and oversized messages refused, the gate, then the relay. */
export function handleCommand(
  gate: CommandGate,
  relay: Relay,
  behaviour: RelayBehaviour,
  topic: string,
  payload: string,
  retained: boolean,
) {
  const verdict = verifyCommand(gate, topic, payload, retained);
  if (verdict.command === undefined) return { refused: verdict.refused };
  return applyCommand(relay, behaviour, verdict.command);
}
