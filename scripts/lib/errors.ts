// Every error a host tool reports to its user, in one place. A UserError's message is the
// whole report: one line saying what is wrong and what to do, no stack (scripts/lib/cli.ts
// prints it). Anything else reaching a tool's top is a bug, reported as one line too.

/** A mistake or condition the user can act on: bad input, a missing file, a busy port. */
export class UserError extends Error {
  override name = "UserError";
  /** The exit status (1 unless said otherwise). */
  exitCode = 1;
}

/** espruino.config.json or a profile: one message per problem. */
export class ConfigError extends UserError {}
/** The CA and its records (scripts/ca/, npm run pki). */
export class PkiError extends UserError {}
/** The CA key's passphrase: missing, wrong, too weak. */
export class PassphraseError extends UserError {}
/** Starting or reloading the broker (scripts/broker/). */
export class BrokerError extends UserError {}
/** Command keys and signed messages (scripts/lib/signing.ts). */
export class SigningError extends UserError {}
/** Flashing and the device's console (scripts/flash/cli.ts, scripts/lib/espruino-cli.ts). */
export class FlashError extends UserError {}
/** Updates over the air (scripts/ota/). */
export class OtaError extends UserError {}
/** A command-line argument: unknown option, bad value, missing operand. */
export class ArgumentError extends UserError {}
/** What the device or the network answered: refused, unreachable, does not resolve. */
export class NetworkError extends UserError {}
