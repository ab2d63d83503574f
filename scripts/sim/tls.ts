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
// Not modelled, the host's own: this process's devices take turns for the TLS handshake
// (HANDSHAKES at once, in the order asked), as each ESP32 computes its own; interleaving
// hundreds of them on one event loop made them all finish together, long after they began.
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
  /** False once the boot that made this module ended: a connect still waiting its turn is dropped. */
  alive?: () => boolean;
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

/** How many handshakes of this process's devices run at once; the others wait in order. */
const HANDSHAKES = 4;
let handshaking = 0;
const waiting: (() => void)[] = [];

/** Runs `start` when a handshake slot is free; it must call the release it gets exactly once. */
function takeTurn(start: (release: () => void) => void): void {
  const run = () => {
    let released = false;
    start(() => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next();
      else handshaking--;
    });
  };
  if (handshaking < HANDSHAKES) {
    handshaking++;
    run();
  } else waiting.push(run);
}

/** Secure contexts by the device's material: converting DER and building a context took more
 *  of this process's time than the handshake itself. The CA is checked either way; node gets it
 *  only when the broker is verified (otherwise it would parse the broker's chain for nothing). */
const contexts = new Map<string, tls.SecureContext>();

function secureContext(ca: string | undefined, cert: string | undefined, key: string | undefined, verify: boolean) {
  const id = `${verify}\0${ca ?? ""}\0${cert ?? ""}\0${key ?? ""}`;
  let context = contexts.get(id);
  if (!context) {
    const caPem = ca ? pemFromDer(ca, "ca") : undefined;
    context = tls.createSecureContext({
      ca: verify ? caPem : undefined,
      cert: cert ? pemFromDer(cert, "cert") : undefined,
      key: key ? keyFromDer(key) : undefined,
      maxVersion: "TLSv1.2",
    });
    if (contexts.size >= 4096) contexts.clear();
    contexts.set(id, context);
  }
  return context;
}

/** What Espruino's idle loop sends of a socket's send data per pass on ESP32
 *  (libs/network/esp32/network_esp32.c, chunkSize; socketserver.c, socketSendData). */
const CHUNK = 536;

/** An Espruino socket: .on(event, fn), .write(data), .end(). A write is appended to the
 *  socket's send data, and each later pass of the idle loop sends up to CHUNK bytes of it
 *  (socketserver.c, clientRequestWrite and socketIdle); end() closes once all is sent. So the
 *  writes of one callback leave together, and nothing leaves before the node socket exists
 *  (a device waiting for its handshake turn). */
class EspruinoSocket {
  private handlers: Record<string, Handler[]> = {};
  private closed = false;
  private unsent: Buffer[] = [];
  private sending = false;
  /** Called when the device ends the socket: it no longer holds a handshake turn. */
  onEnd?: () => void;
  ended = false;
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
    if (this.ended || this.node?.destroyed) return false;
    this.unsent.push(Buffer.from(String(data), "latin1"));
    this.schedule();
    return true;
  }
  end(): void {
    this.ended = true;
    this.onEnd?.();
    this.schedule();
  }
  /** The next idle-loop pass sends a chunk (and closes once all is sent and end() was asked). */
  schedule(): void {
    if (!this.node || this.sending) return;
    this.sending = true;
    setImmediate(() => {
      this.sending = false;
      const node = this.node!;
      if (node.destroyed) return;
      if (this.unsent.length > 0) {
        const all = this.unsent.length === 1 ? this.unsent[0]! : Buffer.concat(this.unsent);
        this.unsent = all.length > CHUNK ? [all.subarray(CHUNK)] : [];
        node.write(all.subarray(0, CHUNK));
      }
      if (this.unsent.length > 0) this.schedule();
      else if (this.ended) node.end();
    });
  }
  get isClosed(): boolean {
    return this.closed;
  }
}

function block(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The node socket's events as Espruino's socket gives them (the list at the top). */
function attach(sim: TlsSimOptions, socket: EspruinoSocket, node: net.Socket, secure: boolean): void {
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
    if (secure && !up) return; // a cut handshake: its 'end' comes with its 'close' (below)
    if (secure) socket.emit("error", { code: -30848, message: "" });
    socket.emit("end");
  });
  node.on("close", (hadError) => {
    if (failed) return;
    if (!up && secure) {
      failed = true;
      sim.raise(internalError("mbedtls_ssl_handshake returned -0x1"));
      if (socket.written) socket.emit("error", { code: -8, message: "unsent data" });
      socket.emit("end");
      socket.emit("close", socket.written);
    } else socket.emit("close", hadError || secure);
  });
}

function noNetwork(socket: EspruinoSocket): void {
  socket.emit("error", { code: -1, message: "no network connection" });
  socket.emit("end");
  socket.emit("close", true);
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
        setImmediate(() => noNetwork(socket));
        return socket;
      }
      const open = (): net.Socket => {
        if (!context) return net.connect({ host: options.host, port: options.port });
        return tls.connect({
          host: options.host,
          port: options.port,
          secureContext: context,
          servername: "mbed TLS Server 1",
          rejectUnauthorized: sim.verifyBroker,
          checkServerIdentity: sim.verifyBroker
            ? (_name, c) => tls.checkServerIdentity(options.host, c)
            : () => undefined,
        });
      };
      const context = secure
        ? secureContext(
            material(options.ca, "ca"),
            material(options.cert, "cert"),
            material(options.key, "key"),
            sim.verifyBroker,
          )
        : undefined;
      const start = (release: () => void) => {
        if (sim.alive && !sim.alive()) return release();
        if (socket.ended || !sim.networkUp()) {
          release();
          if (socket.ended) {
            socket.emit("end");
            socket.emit("close", false);
          } else noNetwork(socket);
          return;
        }
        const node = open();
        // The turn ends with the handshake, the socket, or the device giving up on it (a
        // broker that never answers may never close its side either).
        node.once("secureConnect", release);
        node.once("close", release);
        socket.onEnd = release;
        // Latency only, never behaviour: without it Nagle and the broker's delayed ACKs add
        // about 40 ms to each of a signed command's round trips on loopback.
        node.setNoDelay(true);
        sim.track(node);
        socket.node = node;
        attach(sim, socket, node, secure);
        socket.schedule();
      };
      if (secure) takeTurn(start);
      else start(() => undefined);
      return socket;
    },
  };
}
