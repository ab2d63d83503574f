// Logging in to a device's maintenance console (firmware/app/maintenance/maintenance.ts): every
// connection is shown "console <window id> <k>" and "password>", and must type the k-th
// password of the window, HMAC-SHA256(command key, "latchkey/1 console\n" + id + "\n" + k)
// as 16 hex digits; each works once. The owner's tools compute it from the command key in
// the CA's state; nothing secret crosses the broker. The Espruino CLI cannot type it, so
// loginProxy gives it a loopback port whose every connection is logged in first.
import { createHmac } from "node:crypto";
import net from "node:net";
import { UserError } from "./errors.ts";
import { CONSOLE_PREFIX } from "../../firmware/app/maintenance/maintenance.ts";

export class ConsoleLoginError extends UserError {}

export function consolePassword(key: Buffer, id: string, k: number): string {
  return createHmac("sha256", key).update(`${CONSOLE_PREFIX}${id}\n${k}`).digest("hex").slice(0, 16);
}

const GREETING = "OPEN ";
const PROMPT = /^OPEN \d+ ([0-9a-f]{16}) (\d+)\r\npassword>/;

/** Connects to `host:port`, types the password the prompt asks for, and resolves with the
 *  socket once the device said "Logged in." (what follows is the interpreter's console). */
export function login(host: string, port: number, key: Buffer, timeoutMs = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let seen = "";
    let typed = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConsoleLoginError(why));
    };
    const timer = setTimeout(
      () => fail(`no console prompt from ${host}:${port} in ${timeoutMs / 1000} s (is a maintenance window open?)`),
      timeoutMs,
    );
    socket.once("error", (e) => fail(`cannot open ${host}:${port}: ${e.message} (open a maintenance window first)`));
    socket.on("close", () => fail(`${host}:${port} refused the console password (wrong command key?)`));
    const onData = (d: Buffer) => {
      seen += d.toString("latin1");
      if (!typed && !seen.startsWith(GREETING.slice(0, seen.length)) && !seen.startsWith(GREETING))
        return fail(
          `${host}:${port} is not a maintenance window's console: it answered ${JSON.stringify(seen.slice(0, 40))}`,
        );
      const asked = PROMPT.exec(seen);
      if (asked && !typed) {
        typed = true;
        socket.write(`${consolePassword(key, asked[1], Number(asked[2]))}\r\n`);
      }
      if (typed && seen.includes("Logged in.\r\n")) {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.removeAllListeners("close");
        socket.removeAllListeners("error");
        resolve(socket);
      }
    };
    socket.on("data", onData);
  });
}

/** A loopback port for the Espruino CLI: each connection to it is logged in to the device's
 *  console first, then joined to it byte for byte. `failed` is the last login error. */
export async function loginProxy(
  target: string,
  key: Buffer,
): Promise<{ port: string; close(): void; failed(): string | undefined }> {
  const m = /^tcp:\/\/([^/:]+)(?::(\d+))?$/.exec(target);
  if (!m) throw new ConsoleLoginError(`bad port ${target}: expected tcp://host[:port]`);
  const [host, devicePort] = [m[1], Number(m[2] ?? 23)];
  let failed: string | undefined;
  const sockets: net.Socket[] = [];
  const server = net.createServer((local) => {
    sockets.push(local);
    local.pause();
    local.on("error", () => undefined);
    login(host, devicePort, key).then(
      (remote) => {
        sockets.push(remote);
        remote.on("error", () => local.destroy());
        local.on("close", () => remote.destroy());
        remote.on("close", () => local.destroy());
        local.pipe(remote);
        remote.pipe(local);
        local.resume();
      },
      (error: Error) => {
        failed = error.message;
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    failed: () => failed,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}
