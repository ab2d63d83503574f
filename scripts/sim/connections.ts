// The simulated device's open connections in one boot: its TLS sockets (tls.ts) and its
// require("net") servers (net-server.ts). All close when the boot ends (reset, reboot, power
// off); the sockets die with ENETDOWN when the access point goes away. Also Espruino's TLS
// memory: a socket opened too soon after the last one closed fails in mbedtls_ssl_setup.
import type net from "node:net";
import type { NetServerSim } from "./net-server.ts";
import type { TlsSimOptions } from "./tls.ts";

export interface ConnectionsHost {
  verifyBroker: boolean;
  handshakeMs: number;
  /** SimOptions.tlsMemoryWindowMs: 1000 when unset, 0 never fails. */
  tlsMemoryWindowMs: number;
  /** The station is joined and the access point is there. */
  networkUp(): boolean;
  /** Runs device code in the boot `generation`; `raise` hands it an error in that boot. */
  run(fn: () => void, generation: number): void;
  raise(error: Error, generation: number): void;
  /** Milliseconds since power-on. */
  elapsed(): number;
  trace(event: string): void;
}

export class SimConnections {
  private lastTlsClose = -Infinity;
  /** Counts the boots that ended (closeAll): a boot's tls module is alive while it is unchanged. */
  private ended = 0;
  private sockets: net.Socket[] = [];
  private openServers: { destroy(): void }[] = [];
  /** Device TCP port -> the loopback port its require("net") server listens on. */
  private tcpPorts = new Map<number, Promise<number>>();
  /** When (ms since power-on) each TLS connect began. */
  readonly tlsConnects: number[] = [];

  constructor(private readonly host: ConnectionsHost) {}

  /** The tls module's view of the device in boot `generation` (tls.ts). */
  tls(generation: number): TlsSimOptions {
    const host = this.host;
    const boot = this.ended;
    return {
      alive: () => this.ended === boot,
      verifyBroker: host.verifyBroker,
      handshakeMs: host.handshakeMs,
      networkUp: () => host.networkUp(),
      run: (fn: () => void) => host.run(fn, generation),
      raise: (e: Error) => {
        setImmediate(() => host.raise(e, generation));
      },
      track: (s: net.Socket) => {
        this.sockets.push(s);
        // A closed socket is let go: it holds the device's handlers, hence its old session.
        s.once("close", () => {
          this.lastTlsClose = Date.now();
          this.sockets = this.sockets.filter((open) => open !== s);
        });
      },
      beforeConnect: () => {
        this.tlsConnects.push(host.elapsed());
        host.trace("tls.connect");
        if (Date.now() - this.lastTlsClose < host.tlsMemoryWindowMs)
          throw Object.assign(new Error("mbedtls_ssl_setup: Not enough memory"), { name: "InternalError" });
      },
    };
  }

  /** How the net module's servers report to the device (net-server.ts). */
  readonly servers: Omit<NetServerSim, "run"> = {
    listening: (port, actual) => {
      if (actual) this.tcpPorts.set(port, actual);
      else this.tcpPorts.delete(port);
    },
    track: (thing) => {
      const entry = "destroy" in thing ? thing : { destroy: () => void thing.close() };
      this.openServers.push(entry);
      // Let go once closed, as a socket is (a console server opens one per window).
      if ("once" in thing)
        (thing as net.Server).once("close", () => (this.openServers = this.openServers.filter((e) => e !== entry)));
    },
  };

  /** The loopback port where the device's require("net") server for `port` listens. */
  async tcpPort(port: number, timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.tcpPorts.has(port)) {
      if (Date.now() > deadline) throw new Error(`the device never listened on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.tcpPorts.get(port)!;
  }

  /** The boot ended: every socket and server closes. */
  closeAll(): void {
    this.ended++;
    for (const socket of this.sockets.splice(0)) socket.destroy();
    for (const server of this.openServers.splice(0)) server.destroy();
    this.tcpPorts.clear();
  }

  /** The access point went away: open sockets die with ENETDOWN. */
  networkDown(): void {
    for (const socket of this.sockets.splice(0))
      socket.destroy(Object.assign(new Error("network down"), { code: "ENETDOWN" }));
  }
}
