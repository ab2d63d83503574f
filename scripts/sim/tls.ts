// require("tls") and require("net") as Espruino behaves, on Node sockets. What is modelled, as
// measured on Espruino's interpreter (docs/espruino.md, TLS):
// - options ca/cert/key: DER binary strings or functions returning them; a string of 100
//   characters or fewer is a file path (there is no file system here: it fails); PEM is refused.
// - 'connect' fires when TCP connects, BEFORE the handshake; writes queue until it is done.
// - a refused handshake: an uncaught InternalError from the idle loop, then 'error'
//   {code:-8, "unsent data"} if something was written, 'end', 'close'.
// - a graceful close by the peer: 'error' {code:-30848}, 'end', 'close(true)'.
// - the broker's certificate is NOT verified (stock Espruino); `verifyBroker` models a build
//   that does. mbedTLS 2 speaks TLS 1.2 at most. The handshake blocks the event loop.
import { createPrivateKey, X509Certificate } from "node:crypto";
import net from "node:net";
import tls from "node:tls";

export interface TlsSimOptions {
  verifyBroker: boolean;
  /** How long the handshake blocks everything (an ESP32 takes seconds). */
  handshakeMs: number;
  networkUp: () => boolean;
  /** Runs a callback the way Espruino's idle loop does (uncaught errors are dispatched). */
  run: (fn: () => void) => void;
  /** Raises an error from the idle loop, uncaught. */
  raise: (error: Error) => void;
  track: (socket: net.Socket) => void;
  /** Runs before a TLS socket is set up; throws as Espruino does when it has no memory. */
  beforeConnect?: () => void;
}

type Handler = (...args: unknown[]) => void;

function internalError(message: string): Error {
  const error = new Error(message);
  error.name = "InternalError";
  return error;
}

function material(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  const data = typeof value === "function" ? (value as () => unknown)() : value;
  if (typeof data !== "string") throw internalError(`${what}: expected a string or a function returning one`);
  if (data.length <= 100) throw internalError(`${what}: '${data}' taken as a file path, and no such file`);
  if (data.includes("-----BEGIN")) throw internalError(`${what}: PEM is not accepted by this build: pass DER`);
  return data;
}

function pemFromDer(der: string, what: string): string {
  try {
    return new X509Certificate(Buffer.from(der, "latin1")).toString();
  } catch {
    throw internalError(`${what}: not a DER certificate`);
  }
}

function keyFromDer(der: string): string {
  const bytes = Buffer.from(der, "latin1");
  for (const type of ["pkcs8", "sec1", "pkcs1"] as const) {
    try {
      return createPrivateKey({ key: bytes, format: "der", type }).export({ type: "pkcs8", format: "pem" }) as string;
    } catch {
      // try the next form
    }
  }
  throw internalError("key: not a DER private key");
}

/** An Espruino socket: .on(event, fn), .write(data), .end(). */
class EspruinoSocket {
  private handlers: Record<string, Handler[]> = {};
  private closed = false;
  written = false;
  constructor(private readonly run: (fn: () => void) => void) {}
  on(event: string, handler: Handler): void {
    (this.handlers[event] ??= []).push(handler);
  }
  emit(event: string, ...args: unknown[]): void {
    if (this.closed) return;
    if (event === "close") this.closed = true;
    for (const h of this.handlers[event] ?? []) this.run(() => h(...args));
  }
  node?: net.Socket;
  write(data: unknown): boolean {
    this.written = true;
    if (!this.node || this.node.destroyed) return false;
    return this.node.write(Buffer.from(String(data), "latin1"));
  }
  end(): void {
    this.node?.end();
  }
  get isClosed(): boolean {
    return this.closed;
  }
}

function block(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function createTlsModule(sim: TlsSimOptions, secure: boolean) {
  return {
    connect(
      options: { host: string; port: number; ca?: unknown; cert?: unknown; key?: unknown },
      callback?: () => void,
    ) {
      if (secure) sim.beforeConnect?.();
      const socket = new EspruinoSocket(sim.run);
      if (callback) socket.on("connect", callback);
      if (!sim.networkUp()) {
        setImmediate(() => {
          socket.emit("error", { code: -1, message: "no network connection" });
          socket.emit("end");
          socket.emit("close", true);
        });
        return socket;
      }
      let node: net.Socket;
      if (secure) {
        const ca = material(options.ca, "ca");
        const cert = material(options.cert, "cert");
        const key = material(options.key, "key");
        node = tls.connect({
          host: options.host,
          port: options.port,
          ca: ca ? pemFromDer(ca, "ca") : undefined,
          cert: cert ? pemFromDer(cert, "cert") : undefined,
          key: key ? keyFromDer(key) : undefined,
          maxVersion: "TLSv1.2",
          servername: "mbed TLS Server 1",
          rejectUnauthorized: sim.verifyBroker,
          checkServerIdentity: sim.verifyBroker
            ? (_name, c) => tls.checkServerIdentity(options.host, c)
            : () => undefined,
        });
      } else node = net.connect({ host: options.host, port: options.port });
      // Latency only, never behaviour: without it Nagle and the broker's delayed ACKs add
      // about 40 ms to each of a signed command's round trips on loopback.
      node.setNoDelay(true);
      sim.track(node);
      socket.node = node;
      let up = !secure;
      let failed = false;
      let tcp = false;
      node.once("connect", () => {
        tcp = true;
        socket.emit("connect");
        if (secure) block(sim.handshakeMs);
      });
      if (secure) node.once("secureConnect", () => (up = true));
      node.on("data", (chunk: Buffer) => socket.emit("data", chunk.toString("latin1")));
      node.on("error", (error: NodeJS.ErrnoException) => {
        if (failed) return;
        failed = true;
        if (!tcp) {
          // No TCP connection at all (refused, unreachable): a plain socket error.
          socket.emit("error", { code: -1, message: error.code ?? error.message });
          socket.emit("end");
          socket.emit("close", true);
        } else if (!up) {
          // The handshake failed: Espruino raises it from the idle loop, uncaught.
          sim.raise(internalError(`mbedtls_ssl_handshake returned -0x7780 (${error.code ?? error.message})`));
          if (socket.written) socket.emit("error", { code: -8, message: "unsent data" });
          socket.emit("end");
          socket.emit("close", socket.written);
        } else {
          socket.emit("error", { code: -1, message: error.code ?? error.message });
          socket.emit("end");
          socket.emit("close", true);
        }
      });
      node.on("end", () => {
        if (up && secure) socket.emit("error", { code: -30848, message: "" });
        socket.emit("end");
      });
      node.on("close", (hadError) => {
        if (failed) return;
        if (!up && secure) {
          failed = true;
          sim.raise(internalError("mbedtls_ssl_handshake returned -0x1"));
          socket.emit("end");
          socket.emit("close", false);
          return;
        }
        socket.emit("close", hadError || secure);
      });
      return socket;
    },
  };
}
