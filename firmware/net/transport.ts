// The byte pipe under the MQTT session. hal/espruino/tls-transport.ts implements it over
// Espruino's TLS socket; tests implement it over Node sockets or a scripted fake broker.

/** How a link ended, as one reason a person can act on. */
export interface LinkError {
  reason: string;
  /** The TLS handshake failed (refused certificate, no shared cipher): retrying soon will
   *  not help, so the backoff waits long (backoff.ts). */
  handshake?: boolean;
}

export interface TransportHandlers {
  /** Bytes from the peer, as an 8-bit string. */
  data(chunk: string): void;
  /** Something went wrong; close() follows. Only the first error of a link is its reason. */
  error(error: LinkError): void;
  /** The link is gone. Called exactly once per link, never synchronously inside connect()
   *  or close(), and no handler runs after it. */
  close(): void;
}

export interface Transport {
  /** Queues bytes; writes made before the link is up (TLS handshake) are sent after it. */
  write(data: string): void;
  /** Ends the link; handlers.close() follows. */
  close(): void;
}

/** Opens a link. Must not throw: a failure to even start becomes error() then close(). */
export type Connector = (handlers: TransportHandlers) => Transport;
