// Logging in to a device's maintenance console (firmware/app/maintenance/maintenance.ts): every
// connection is shown "OPEN <seconds> <window id> <k>" and "password>", and must type the k-th
// password of the window, HMAC-SHA256(command key, "latchkey/1 console\n" + id + "\n" + k)
// as 16 hex digits; each works once. The owner's tools compute it from the command key in
// the CA's state; nothing secret crosses the broker. The prompt itself is plain TCP, which
// anyone on the LAN can answer: a spoofed console asking for a later k (or another window's)
// would be handed a password the device has not used yet. So a password is typed only for the
// window id and k the device itself reports, signed, on <prefix>/<device>/maintenance/state
// (verified with the command key): signedWindow. The Espruino CLI cannot type it, so
// loginProxy gives it a loopback port whose every connection is logged in first.
import { createHmac } from "node:crypto";
import net from "node:net";
import type { MqttClient } from "mqtt";
import { UserError } from "./errors.ts";
import { verifyReport } from "./signing.ts";
import { CONSOLE_PREFIX } from "../../firmware/app/maintenance/maintenance.ts";

export class ConsoleLoginError extends UserError {}

export function consolePassword(key: Buffer, id: string, k: number): string {
  return createHmac("sha256", key).update(`${CONSOLE_PREFIX}${id}\n${k}`).digest("hex").slice(0, 16);
}

const GREETING = "OPEN ";
const PROMPT = /^OPEN \d+ ([0-9a-f]{16}) (\d+)\r\npassword>/;

/** What the device says, signed, about its window: only these id and k get a password. */
export interface SignedWindow {
  /** Resolves once the device's latest signed report (of a boot) is `OPEN <s> <id> <k>`; rejects
   *  after `timeoutMs` naming what it says instead (or that the broker is out of reach). */
  expect(id: string, k: number, timeoutMs: number, asker: string): Promise<void>;
  close(): void;
}

/** The device's signed maintenance reports on `topic`, read through `source` (an MQTT client
 *  of the caller's, or a function that connects one on first use, which close() ends). The
 *  latest report of each boot counts (highest seq): an older one replayed is not the window now. */
export function signedWindow(
  source: MqttClient | (() => Promise<MqttClient>),
  key: Buffer,
  topic: string,
): SignedWindow {
  const latest = new Map<string, { seq: number; value: string }>();
  const changed = new Set<() => void>();
  let client: Promise<MqttClient> | undefined;
  const start = () =>
    (client ??= (typeof source === "function" ? source() : Promise.resolve(source)).then(async (c) => {
      c.on("message", (t, payload) => {
        if (t !== topic) return;
        const report = verifyReport(key, topic, payload);
        if (!report.ok || (latest.get(report.boot)?.seq ?? 0) >= report.seq) return;
        latest.set(report.boot, { seq: report.seq, value: report.value });
        changed.forEach((f) => f());
      });
      await c.subscribeAsync(topic, { qos: 1 });
      return c;
    }));
  const says = (id: string, k: number) =>
    [...latest.values()].some(({ value }) => {
      const w = value.split(" ");
      return w.length === 4 && w[0] === "OPEN" && w[2] === id && w[3] === String(k);
    });
  return {
    expect: async (id, k, timeoutMs, asker) => {
      try {
        await start();
      } catch (e) {
        throw new ConsoleLoginError(
          `cannot read the device's signed maintenance state from the broker (${(e as Error).message}): no password typed`,
        );
      }
      if (says(id, k)) return;
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!says(id, k)) return;
          clearTimeout(timer);
          changed.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          changed.delete(check);
          const now = [...latest.values()].map((l) => JSON.stringify(l.value)).join(" or ") || "nothing";
          reject(
            new ConsoleLoginError(
              `${asker} asks for the password of window ${id} #${k}, but the device's signed maintenance state says ${now}: no password typed (a spoofed console?)`,
            ),
          );
        }, timeoutMs);
        changed.add(check);
      });
    },
    close: () => {
      if (typeof source === "function") void client?.then((c) => c.end(true)).catch(() => undefined);
    },
  };
}

/** Connects to `host:port`, types the password the prompt asks for when `window` (the device's
 *  signed state) names the same window id and k, and resolves with the socket once the device
 *  said "Logged in." (what follows is the interpreter's console). */
export function login(
  host: string,
  port: number,
  key: Buffer,
  window: SignedWindow,
  timeoutMs = 5000,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let seen = "";
    /** The prompt was read (its window is being checked); `sent` once the password went out. */
    let typed = false;
    let sent = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConsoleLoginError(why));
    };
    let timer = setTimeout(
      () => fail(`no console prompt from ${host}:${port} in ${timeoutMs / 1000} s (is a maintenance window open?)`),
      timeoutMs,
    );
    socket.once("error", (e) => fail(`cannot open ${host}:${port}: ${e.message} (open a maintenance window first)`));
    socket.on("close", () =>
      fail(
        sent
          ? `${host}:${port} refused the console password (wrong command key?)`
          : `${host}:${port} closed the connection before a password was typed`,
      ),
    );
    const onData = (d: Buffer) => {
      seen += d.toString("latin1");
      if (!typed && !seen.startsWith(GREETING.slice(0, seen.length)) && !seen.startsWith(GREETING))
        return fail(
          `${host}:${port} is not a maintenance window's console: it answered ${JSON.stringify(seen.slice(0, 40))}`,
        );
      const asked = PROMPT.exec(seen);
      if (asked && !typed) {
        typed = true;
        clearTimeout(timer);
        const [id, k] = [asked[1], Number(asked[2])];
        window.expect(id, k, timeoutMs, `${host}:${port}`).then(
          () => {
            if (socket.destroyed) return;
            sent = true;
            socket.write(`${consolePassword(key, id, k)}\r\n`);
            timer = setTimeout(
              () => fail(`${host}:${port} did not answer the console password in ${timeoutMs / 1000} s`),
              timeoutMs,
            );
          },
          (e: Error) => fail(e.message),
        );
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
  window: SignedWindow,
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
    login(host, devicePort, key, window).then(
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
      window.close();
    },
  };
}
