// The one way every host tool starts and fails. `runTool(name, spec, main)` parses the
// command line (strict: an unknown option is an error, not ignored), runs `main`, and turns
// ANY failure (bad arguments, a UserError, a refused or unresolvable connection, a bug) into
// one line on stderr, `<name>: <what>`, and a non-zero exit. No stack trace is printed unless
// LATCHKEY_DEBUG is set. Checks of values (ports, whole numbers) live here too, so every tool
// refuses `--port abc` the same way, before it changes anything.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ArgumentError, UserError } from "./errors.ts";
import { oneLine } from "./one-line.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ToolSpec<O extends Options> {
  options: O;
  allowPositionals?: boolean;
  /** Printed after a wrong argument: the tool's usage line. */
  usage?: string;
  /** A tool that has started things (npm start: a broker, a device) stops them before it exits:
   *  given the failure's one line, it prints it and exits itself once they are stopped, and
   *  returns true; false when nothing is started yet (the line is printed and the tool exits). */
  stopOnFailure?: (line: string) => boolean;
}

/** What a network error means, in words (Node's errno codes, node:net and node:dns). */
export function networkWords(error: NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string }) {
  const where = error.address !== undefined ? `${error.address}${error.port ? `:${error.port}` : ""}` : undefined;
  switch (error.code) {
    case "ECONNREFUSED":
      return `nothing accepts connections at ${where ?? "that address"} (connection refused)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return `${error.hostname ?? "the host name"} does not resolve to an address (DNS lookup failed)`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where ?? "the host"} cannot be reached (no route to it)`;
    case "ETIMEDOUT":
      return `${where ?? "the host"} did not answer in time`;
    case "EADDRINUSE":
      return `${where ?? "the port"} is already in use`;
    case "EACCES":
      return error.syscall === "listen" || error.syscall === "bind"
        ? `${where ?? "that port"} needs privileges this user does not have`
        : `permission denied: ${error.path ?? error.message}`;
    case "ENOENT":
      return error.path ? `${error.path} does not exist` : undefined;
    default:
      return undefined;
  }
}

/** The one line a failure is reported as (without the tool's name). */
export function describeError(error: unknown): string {
  if (error instanceof UserError) return oneLine(error.message, true);
  const e = error as NodeJS.ErrnoException;
  if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /'([^']+)'/.exec(e.message)?.[1] ?? e.message;
    return `unknown option '${option}'`;
  }
  if (e?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const argument = /'([^']+)'/.exec(e.message)?.[1] ?? e.message;
    return `unexpected argument '${argument}'`;
  }
  if (e?.code?.startsWith("ERR_PARSE_ARGS")) return oneLine(e.message, true);
  const words = e && typeof e === "object" ? networkWords(e) : undefined;
  if (words) return words;
  // AggregateError (a host name with several addresses): its first reason says it.
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  const message = (error as Error)?.message ?? String(error);
  return `unexpected error: ${oneLine(message.split("\n")[0], true)} (LATCHKEY_DEBUG=1 shows where)`;
}

/** The one line a tool's failure is reported as, `<name>: <what>`. */
function failureLine(name: string, error: unknown, usage?: string): string {
  const line = `${name}: ${describeError(error)}`;
  // An option the tool does not know: say which ones it does.
  if (usage && (error as NodeJS.ErrnoException)?.code?.startsWith?.("ERR_PARSE_ARGS"))
    return `${line} (${usage.split("\n")[0]})`;
  return line;
}

/** Prints the failure as one line and exits non-zero. */
export function failTool(name: string, error: unknown, usage?: string): never {
  console.error(failureLine(name, error, usage));
  if (process.env.LATCHKEY_DEBUG) console.error((error as Error)?.stack ?? error);
  process.exit(error instanceof UserError ? error.exitCode : 1);
}

/** Parses the command line and runs `main`; every failure is one line (failTool). */
export function runTool<O extends Options>(
  name: string,
  spec: ToolSpec<O>,
  main: (values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean }>>) => Promise<unknown> | unknown,
): void {
  const fail = (error: unknown) => {
    if (spec.stopOnFailure?.(failureLine(name, error, spec.usage))) return;
    failTool(name, error, spec.usage);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  try {
    const parsed = parseArgs({
      options: spec.options,
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
    // Node exits 0 once nothing is left to wait for, even with `main` unfinished (a promise
    // that nothing will settle, such as an answer on a connection that closed): that is a
    // failure, never a success.
    let done = false;
    const unfinished = () => {
      if (!done) fail(new UserError("stopped before it was done: nothing was left to wait for (a lost connection?)"));
    };
    process.once("beforeExit", unfinished);
    const finished = () => {
      done = true;
      process.removeListener("beforeExit", unfinished);
    };
    Promise.resolve(main(parsed)).then(finished, (error: unknown) => {
      finished();
      fail(error);
    });
  } catch (error) {
    fail(error);
  }
}

/** A TCP port: a whole number from `min` (1) to 65535. */
export function portOption(text: string, option = "--port", min = 1): number {
  return wholeNumber(text, option, min, 65535);
}

/** A whole number from `min` to `max`, or an ArgumentError naming the option. */
export function wholeNumber(text: string, option: string, min: number, max: number): number {
  const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max))
    throw new ArgumentError(`${option} must be a whole number from ${min} to ${max}, not '${text}'`);
  return value;
}

/** A host name or IP address (its syntax only; whether it resolves is the listener's check). */
export function hostOption(text: string, option = "--host"): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(text))
    throw new ArgumentError(`${option} must be a host name or IP address, not '${text}'`);
  return text;
}
