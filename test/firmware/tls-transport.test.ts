// The TLS transport against a scripted Espruino socket that replays the event sequences
// measured on Espruino's interpreter (docs/espruino.md, TLS).
import { describe, expect, it } from "vitest";
import type { Network, SocketHandlers } from "../../firmware/hal/network.ts";
import { tlsConnector } from "../../firmware/net/tls-transport.ts";
import { FakeTime } from "../support/fake-platform.ts";

function setup(options: { throwOnConnect?: string } = {}) {
  const time = new FakeTime();
  const claimants: ((m: string) => boolean)[] = [];
  const sockets: { handlers: SocketHandlers; written: string[]; ended: boolean }[] = [];
  const network: Network = {
    connectTls: (_opts, handlers) => {
      if (options.throwOnConnect) throw new Error(options.throwOnConnect);
      const s = { handlers, written: [] as string[], ended: false };
      sockets.push(s);
      return { write: (d) => s.written.push(d), end: () => (s.ended = true) };
    },
    onUncaught: (c) => claimants.push(c),
  };
  const uncaught = (message: string) => claimants.some((c) => c(message));
  const connect = tlsConnector(
    network,
    time.timers,
    {
      host: "b",
      port: 8883,
      ca: () => "",
      cert: () => "",
      key: () => "",
    },
    [{ host: "b", port: 8883 }],
  );
  const log: string[] = [];
  const open = () =>
    connect({
      data: (c) => log.push(`data ${c}`),
      error: (e) => log.push(`error ${e.reason}${e.handshake ? " [handshake]" : ""}`),
      close: () => log.push("close"),
    });
  const transport = open();
  return { time, socket: (i = 0) => sockets[i], transport, open, log, uncaught };
}

describe("TLS transport over Espruino's socket", () => {
  it("queues CONNECT written right after connect, passes data, and reports close-notify (-30848)", () => {
    const t = setup();
    t.transport.write("\x10\x00");
    expect(t.socket().written).toEqual(["\x10\x00"]);
    t.socket().handlers.data("\x20\x02\x00\x00");
    t.socket().handlers.error(-30848, "");
    t.socket().handlers.end();
    t.socket().handlers.close(true);
    t.time.advance(0);
    expect(t.log).toEqual(["data \x20\x02\x00\x00", "error broker closed the TLS session (close-notify)", "close"]);
  });

  it("turns a refused handshake (no 'error', only end/close, then an uncaught InternalError) into one failed handshake (the first of a run: an ordinary failure)", () => {
    const t = setup();
    t.socket().handlers.end();
    t.socket().handlers.close(false);
    expect(t.log).toEqual([]);
    expect(t.uncaught("InternalError: mbedtls_ssl_handshake returned -0x7780")).toBe(true);
    t.time.advance(50);
    expect(t.log).toEqual([
      "error TLS handshake failed (InternalError: mbedtls_ssl_handshake returned -0x7780)",
      "close",
    ]);
  });

  it("takes one failed handshake as an ordinary failure and only the second in a row as a refusal", () => {
    // A broker stopping (or killed) mid-handshake fails it exactly as a refusal does, and
    // Espruino cannot tell them apart: taken as a refusal, each device of a fleet caught in a
    // broker restart waited 30-60 s. A revoked certificate fails every handshake, so it still
    // gets the long wait from its second attempt on.
    const t = setup();
    const refuse = (i: number) => {
      t.socket(i).handlers.end();
      t.socket(i).handlers.close(false);
      t.uncaught("InternalError: mbedtls_ssl_handshake returned -0x7780");
      t.time.advance(50);
    };
    const failed = "error TLS handshake failed (InternalError: mbedtls_ssl_handshake returned -0x7780)";
    refuse(0);
    // A link that fails before any handshake (here closed unanswered, no verdict; on Espruino
    // also no memory for TLS, or no TCP) neither counts nor ends the run.
    t.open();
    t.socket(1).handlers.close(false);
    t.time.advance(50);
    t.open();
    refuse(2);
    t.open();
    refuse(3);
    const unanswered = "error connection closed before the broker answered";
    expect(t.log).toEqual([
      failed,
      "close",
      unanswered,
      "close",
      `${failed} [handshake]`,
      "close",
      `${failed} [handshake]`,
      "close",
    ]);
    // A link the broker answered ends the run: the next failed handshake is ordinary again.
    t.open();
    t.socket(4).handlers.data("\x20\x02\x00\x00");
    t.socket(4).handlers.close(true);
    t.time.advance(0);
    t.open();
    refuse(5);
    expect(t.log.slice(8)).toEqual(["data \x20\x02\x00\x00", "close", failed, "close"]);
  });

  it("claims the handshake error when it comes before the close events too", () => {
    const t = setup();
    expect(t.uncaught("InternalError: mbedtls_ssl_handshake returned -0x1")).toBe(true);
    t.socket().handlers.close(false);
    t.time.advance(50);
    expect(t.log).toEqual(["error TLS handshake failed (InternalError: mbedtls_ssl_handshake returned -0x1)", "close"]);
  });

  it("reports a close with nothing heard and no verdict as an ordinary failure", () => {
    const t = setup();
    t.socket().handlers.close(false);
    t.time.advance(50);
    expect(t.log).toEqual(["error connection closed before the broker answered", "close"]);
  });

  it("reports 'unsent data' (-8) as a lost connection", () => {
    const t = setup();
    t.transport.write("\x10\x00");
    t.socket().handlers.error(-8, "unsent data");
    t.socket().handlers.end();
    t.socket().handlers.close(true);
    t.time.advance(50);
    expect(t.log).toEqual(["error connection lost with data unsent", "close"]);
  });

  it("names the handshake when a refusal shows as 'unsent data' and the verdict follows", () => {
    const t = setup();
    t.transport.write("\x10\x00");
    t.socket().handlers.error(-8, "unsent data");
    t.socket().handlers.end();
    t.socket().handlers.close(true);
    expect(t.uncaught("InternalError: mbedtls_ssl_handshake returned -0x7780")).toBe(true);
    t.time.advance(50);
    expect(t.log).toEqual([
      "error TLS handshake failed (InternalError: mbedtls_ssl_handshake returned -0x7780)",
      "close",
    ]);
  });

  it("does not claim uncaught errors that are not about its handshake, or after the link is up", () => {
    const t = setup();
    expect(t.uncaught("ReferenceError: x is not defined")).toBe(false);
    t.socket().handlers.data("\x20\x02\x00\x00");
    expect(t.uncaught("InternalError: mbedtls_ssl_handshake returned -0x1")).toBe(false);
  });

  it("turns a throwing connect (no memory for TLS) into error then close, never synchronously", () => {
    const t = setup({ throwOnConnect: "mbedtls_ssl_setup: Not enough memory" });
    expect(t.log).toEqual([]);
    t.time.advance(0);
    expect(t.log).toEqual(["error TLS setup failed: mbedtls_ssl_setup: Not enough memory", "close"]);
  });

  it("close() ends the socket; its close event ends the link exactly once, or a grace timer does", () => {
    const t = setup();
    t.socket().handlers.data("x");
    t.transport.close();
    expect(t.socket().ended).toBe(true);
    expect(t.log).toEqual(["data x"]);
    t.socket().handlers.close(false);
    t.time.advance(5000);
    expect(t.log).toEqual(["data x", "close"]);
    const silent = setup();
    silent.socket().handlers.data("x");
    silent.transport.close();
    silent.time.advance(2000);
    expect(silent.log).toEqual(["data x", "close"]);
  });
});

describe("broker failover in the TLS transport", () => {
  it("moves to the next broker after a link the broker never answered, stays on one that answered, one link at a time", () => {
    const time = new FakeTime();
    const opened: { host: string; port: number; handlers: SocketHandlers }[] = [];
    const network: Network = {
      connectTls: (opts, handlers) => {
        opened.push({ host: opts.host, port: opts.port, handlers });
        return { write: () => undefined, end: () => undefined };
      },
      onUncaught: () => undefined,
    };
    const options = { host: "", port: 0, ca: () => "", cert: () => "", key: () => "" };
    const brokers = [
      { host: "a", port: 1 },
      { host: "b", port: 2 },
      { host: "c", port: 3 },
    ];
    const connect = tlsConnector(network, time.timers, options, brokers);
    const closes: number[] = [];
    /** One link: answered (data) or not, then closed by the peer. */
    const link = (answered: boolean) => {
      connect({ data: () => undefined, error: () => undefined, close: () => closes.push(opened.length) });
      const socket = opened[opened.length - 1]!;
      if (answered) socket.handlers.data("\x20\x02\x00\x00");
      socket.handlers.close(true);
      time.advance(50);
      return `${socket.host}:${socket.port}`;
    };
    expect(link(false)).toBe("a:1");
    expect(link(true)).toBe("b:2");
    // The broker that worked last is tried first after the loss...
    expect(link(false)).toBe("b:2");
    // ...and only a failure there moves on, round the list.
    expect(link(false)).toBe("c:3");
    expect(link(false)).toBe("a:1");
    expect(options).toMatchObject({ host: "a", port: 1 });
    // Every link was closed before the next opened.
    expect(closes).toEqual([1, 2, 3, 4, 5]);
  });
});
