// The simulated device's telnet console on loopback: what the Espruino CLI (`espruino -p
// tcp://127.0.0.1:N`) and the Web IDE talk to. Behaviour recorded from Espruino 2v29's own
// telnet console (Linux build `--telnet`, src/jsinteractive.c, libs/network/telnet/jswrap_telnet.c):
// - on connect the console moves to the client and shows the prompt `>`;
// - typed characters are echoed; Enter runs the line when it is complete (an open bracket or
//   string continues it with the `:` prompt), then prints `=<result>` and `>`;
// - a line that starts with DLE (0x10) runs without echo, without `=result` and without a
//   new prompt (the CLI prefixes every line it sends with it);
// - ESC+LF is a newline inside the input ("Alt-Enter"), ESC[<n>d sets a line number
//   (ignored), Ctrl-C clears the line;
// - an empty Enter shows the prompt (`\r\n>` when one was showing, `>` when it was not);
// - one client at a time: a new one takes over (nothing in JavaScript sees it: E.getConsole()
//   stays "Telnet"); the console closes when telnet mode is off;
// - the password lock is the device's one flag, whoever types (ConsoleHost.locked).
// The same line discipline serves the loopback console (E.setConsole("LoopbackA")): its
// client is whatever listens on LoopbackB (SimulatedDevice).
import net from "node:net";
import vm from "node:vm";

/** What the console needs from the device it belongs to. */
export interface ConsoleHost {
  /** Runs one complete input in the device's context; throws what the code threw. */
  evaluate(code: string): unknown;
  /** Called after each line so the device can run what the line deferred (reset(), load()). */
  afterLine(): void;
  /** E.lockConsole(): while true, a line is a password attempt and never code. */
  locked(): boolean;
  typePassword(line: string): boolean;
  /** A client connected: Espruino's telnet server makes telnet the console
   *  (libs/network/telnet/jswrap_telnet.c, telnetAccept -> jsiSetConsoleDevice). */
  accepted?(): void;
}

/** True when `code` is an incomplete statement (Espruino counts brackets; a parse that ends
 *  early means the same here). */
function incomplete(code: string): boolean {
  try {
    new vm.Script(code);
    return false;
  } catch (error) {
    return /Unexpected end of input|Unterminated template|missing \) after/.test(String(error));
  }
}

/** Espruino's console form of a value, close enough for people (the CLI never parses it). */
export function consoleForm(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "function () { ... }";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Where the console's output goes: a telnet client, or LoopbackB's listeners. */
export interface ConsoleClient {
  write(text: string): void;
  destroy(): void;
}

export class TelnetConsole {
  private server: net.Server | undefined;
  private client: ConsoleClient | undefined;
  private line = "";
  private pending = "";
  private echo = true;
  private escape = "";
  private promptShown = false;
  private printed = false;
  private port_ = 0;

  constructor(private readonly host: ConsoleHost) {}

  /** The loopback port (0 until first opened; kept across close and reopen). */
  get port(): number {
    return this.port_;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  private opening: Promise<number> | undefined;

  open(): Promise<number> {
    if (this.opening) return this.opening;
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    this.opening = new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port_, "127.0.0.1", () => {
        // Closed again before it listened (telnet on at boot, off a moment later): no port.
        const address = server.address();
        if (address && typeof address === "object") this.port_ = address.port;
        resolve(this.port_);
      });
    });
    return this.opening;
  }

  /** Telnet off (or a reboot): the client is dropped and the port stops listening. */
  close(): void {
    this.client?.destroy();
    this.client = undefined;
    this.server?.close();
    this.server = undefined;
    this.opening = undefined;
  }

  /** Device output: goes to the client when one is connected (Espruino moves the console
   *  to telnet), erasing a shown prompt first and showing it again after. */
  print(text: string): void {
    const client = this.client;
    if (!client) return;
    const body = text.replace(/\r?\n/g, "\r\n") + "\r\n";
    this.printed = true;
    if (this.promptShown) client.write("\r\x1b[J" + body + ">" + this.line);
    else client.write(body);
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on("data", (data) => this.receive(data.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (this.client === socket) this.client = undefined;
    });
    this.host.accepted?.();
    this.attach(socket, ">", true);
  }

  /** `client` becomes the console (the previous one is dropped); `greeting` is what it is
   *  shown first. */
  attach(client: ConsoleClient | undefined, greeting: string, promptShown: boolean): void {
    if (this.client !== client) this.client?.destroy();
    this.client = client;
    this.line = "";
    this.pending = "";
    this.escape = "";
    this.echo = true;
    this.promptShown = promptShown;
    client?.write(greeting);
  }

  private write(text: string): void {
    this.client?.write(text);
  }

  receive(data: string): void {
    for (const ch of data) {
      if (!this.client) return;
      if (this.escape) {
        this.escape += ch;
        if (this.escape === "\x1b\n") {
          this.line += "\n";
          this.escape = "";
        } else if (this.escape.length > 1 && this.escape[1] !== "[") this.escape = "";
        else if (this.escape.length > 2 && !/[0-9]/.test(ch)) this.escape = "";
        continue;
      }
      if (ch === "\x1b") this.escape = ch;
      else if (ch === "\x10" && this.line === "") this.echo = false;
      else if (ch === "\x03") {
        this.line = "";
        this.pending = "";
        this.echo = true;
        this.write("\r\n>");
        this.promptShown = true;
      } else if (ch === "\r") continue;
      else if (ch === "\n") this.enter();
      else if (ch === "\b" || ch === "\x7f") {
        if (this.line) {
          this.line = this.line.slice(0, -1);
          if (this.echo) this.write("\b \b");
        }
      } else {
        this.line += ch;
        if (this.echo) this.write(ch);
      }
    }
  }

  private enter(): void {
    const code = this.pending + this.line;
    const echo = this.echo;
    this.line = "";
    this.echo = true;
    if (code.trim() === "") {
      this.pending = "";
      this.write(this.promptShown ? "\r\n>" : ">");
      this.promptShown = true;
      return;
    }
    if (this.host.locked()) {
      // A locked console runs nothing: the line only tries the password (src/jsinteractive.c).
      this.pending = "";
      this.host.typePassword(code);
      this.write("\r\n>");
      this.promptShown = true;
      return;
    }
    if (incomplete(code)) {
      this.pending = code + "\n";
      if (echo) this.write("\r\n:");
      return;
    }
    this.pending = "";
    if (echo) this.write("\r\n");
    const promptWas = this.promptShown;
    this.promptShown = false;
    this.printed = false;
    let result: unknown;
    let failed: unknown;
    try {
      result = this.host.evaluate(code);
      // Espruino's value for a function declaration is the function itself.
      const declared = /^\s*function\s+([A-Za-z_$][\w$]*)/.exec(code);
      if (result === undefined && declared) result = this.host.evaluate(declared[1]);
    } catch (error) {
      failed = error;
    }
    if (failed !== undefined) this.write(`Uncaught ${String(failed)}\r\n`);
    if (echo) {
      if (failed === undefined) this.write(`=${consoleForm(result)}\r\n`);
      this.write(">");
      this.promptShown = true;
    } else if (!this.printed && failed === undefined) this.promptShown = promptWas;
    this.host.afterLine();
  }
}
