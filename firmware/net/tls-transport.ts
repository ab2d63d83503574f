// The Transport over Espruino's TLS socket, with each of its measured behaviours turned into
// one clear reason (docs/espruino.md, TLS):
// - 'connect' fires before the handshake and proves nothing: it is not listened to; the
//   session is up only at CONNACK and always runs a CONNACK timeout.
// - CONNECT is written straight after connectTls(); the socket queues it until the handshake.
// - A refused handshake may raise no 'error' at all, only 'end'/'close', plus an uncaught
//   "InternalError: mbedtls_ssl_handshake returned -0x..." from the idle loop. That error is
//   claimed here and reported as a failed handshake. A broker stopping mid-handshake fails it
//   the same way, so only the second failed handshake with no answered link between is
//   reported as a refusal (`handshake`, the backoff's long wait); the first is retried as any
//   lost link. A link that never reached the handshake (no memory, no TCP) does not count.
// - A graceful close by the broker arrives as 'error' -30848 (close-notify).
// - connectTls() itself can throw (out of memory for the TLS buffers): that is an ordinary
//   failed attempt, retried through the backoff.
import type { Network, RawSocket, TlsSocketOptions } from "../hal/network";
import type { Timers } from "../hal/time";
import type { Connector, LinkError, TransportHandlers } from "./transport";

/** How long a 'close' with no data and no error waits for the idle loop's handshake error. */
const HANDSHAKE_VERDICT_MS = 50;
/** After close() is asked for, how long to wait for the socket's own 'close'. */
const CLOSE_GRACE_MS = 2000;

function errorReason(code: number, message: string): string {
  if (code === -30848) return "broker closed the TLS session (close-notify)";
  if (code === -8) return "connection lost with data unsent";
  return "socket error " + code + (message ? ": " + message : "");
}

/**
 * Broker failover: each link goes to `brokers[current]`, written into `options.host`/`port`
 * (so they name the broker of the latest link). A link on which the broker never answered
 * moves `current` on to the next broker; one that was answered keeps it, so after a loss the
 * broker that worked last is tried first. One link at a time: the session opens the next
 * only after close() (mqtt/session.ts), so the device never holds two TLS sessions.
 */
export function tlsConnector(
  network: Network,
  timers: Timers,
  options: TlsSocketOptions,
  brokers: { host: string; port: number }[],
): Connector {
  let current = 0;
  /** A handshake failed since the broker last answered. */
  let shaken = false;
  /** The link that is still opening, which an uncaught handshake error belongs to. */
  let opening: ((reason: string) => void) | undefined;
  network.onUncaught((message) => {
    if (message.indexOf("mbedtls_ssl_handshake") < 0 || opening === undefined) return false;
    opening(message);
    return true;
  });

  return (handlers: TransportHandlers) => {
    // The reason is reported once, when the link ends: Espruino may report a refused
    // handshake as 'unsent data' first and name the handshake only from the idle loop.
    let failure: LinkError | undefined;
    let heard = false;
    let finished = false;
    let socket: RawSocket | undefined;
    const fail = (error: LinkError) => {
      if (!finished && (!failure || error.handshake)) failure = error;
    };
    const claim = (message: string) => {
      fail({ reason: "TLS handshake failed (" + message + ")", handshake: true });
    };
    const finish = () => {
      if (finished) return;
      if (opening === claim) opening = undefined;
      if (!failure && !heard) failure = { reason: "connection closed before the broker answered" };
      if (heard) shaken = false;
      else {
        current = (current + 1) % brokers.length;
        if (failure!.handshake) {
          failure!.handshake = shaken;
          shaken = true;
        }
      }
      finished = true;
      if (failure) handlers.error(failure);
      handlers.close();
    };
    opening = claim;
    const broker = brokers[current];
    options.host = broker.host;
    options.port = broker.port;
    try {
      socket = network.connectTls(options, {
        data: (chunk) => {
          heard = true;
          if (opening === claim) opening = undefined;
          if (!finished) handlers.data(chunk);
        },
        error: (code, message) => fail({ reason: errorReason(code, message) }),
        end: () => {},
        // Nothing heard yet: the handshake's verdict may still come from the idle loop.
        close: () => timers.set(finish, heard ? 0 : HANDSHAKE_VERDICT_MS),
      });
    } catch (e) {
      fail({ reason: "TLS setup failed: " + ((e as Error).message || String(e)) });
      timers.set(finish, 0);
    }
    return {
      write: (data: string) => {
        if (socket && !finished) socket.write(data);
      },
      close: () => {
        if (!socket || finished) return;
        socket.end();
        timers.set(finish, CLOSE_GRACE_MS);
      },
    };
  };
}
