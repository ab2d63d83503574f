// The network as the device offers it: a TLS socket that behaves the way Espruino's does
// (docs/espruino.md, TLS), and the errors its interpreter raises from the idle loop.
// net/tls-transport.ts turns this into the Transport contract.

export interface TlsSocketOptions {
  host: string;
  port: number;
  /** Each returns DER bytes (a binary string) when the TLS stack asks for them. */
  ca: () => string;
  cert: () => string;
  key: () => string;
}

export interface SocketHandlers {
  data(chunk: string): void;
  /** Espruino's {code, message}: -30848 is a close-notify, -8 "unsent data". */
  error(code: number, message: string): void;
  end(): void;
  close(hadError: boolean): void;
}

export interface RawSocket {
  write(data: string): void;
  end(): void;
}

export interface Network {
  /** Opens a TLS socket. Can throw (Espruino: "mbedtls_ssl_setup: Not enough memory").
   *  The socket's 'connect' event is never used: it fires before the handshake. */
  connectTls(options: TlsSocketOptions, handlers: SocketHandlers): RawSocket;
  /** `handler` sees every error nobody caught; it returns true when it dealt with it. */
  onUncaught(handler: (message: string) => boolean): void;
}
