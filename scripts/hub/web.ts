// The operators' HTTPS server. TLS does the first half of access control: a client certificate
// is requested and must chain to the project's CA and not be on its CRL (Node's `crl` option);
// the CRL file is watched and, when the CA rewrites it, the new one is loaded and every open
// connection is dropped, so a revoked operator's kept-alive connection or live stream ends too.
// access.ts does the second half (an active operator, and which devices).
// A connection whose certificate fails is not served: its first request gets a 403 that says
// why (OpenSSL's reason, e.g. CERT_REVOKED) and the connection is closed. (With Node's
// rejectUnauthorized the socket is cut with no reason anyone can read, on either side.)
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { PkiStore } from "../lib/pki-store.ts";
import { Operators } from "./access.ts";
import { route, type Routes } from "./routes.ts";

export interface WebOptions {
  stateDir: string;
  /** The hub's own certificate (serverAuth): `npm run pki -- hub`. */
  cert: string;
  key: string;
  host: string;
  port: number;
  routes: Routes;
  /** How often the CRL file is checked for a change. */
  crlPollMs?: number;
}

export interface WebServer {
  url: string;
  port: number;
  /** Recent TLS refusals (newest last, at most 50): why a client was turned away. */
  refusals: string[];
  /** How many times the CRL has been (re)loaded. */
  crlLoads(): number;
  close(): Promise<void>;
}

export async function startWeb(options: WebOptions): Promise<WebServer> {
  const store = new PkiStore(options.stateDir);
  const operators = new Operators(options.stateDir);
  const tlsOptions = () => ({
    ca: readFileSync(store.caCertFile),
    crl: readFileSync(store.crlFile),
    cert: options.cert,
    key: options.key,
  });
  const server = https.createServer({
    ...tlsOptions(),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
  });
  const sockets = new Set<Socket>();
  const refusals: string[] = [];
  let loads = 1;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const refuse = (why: string) => {
    refusals.push(why);
    if (refusals.length > 50) refusals.shift();
  };
  const certificateProblem = (socket: TLSSocket): string | undefined => {
    if (socket.authorized) return undefined;
    if (!socket.getPeerCertificate()?.subject) return "no client certificate";
    return `client certificate refused: ${String(socket.authorizationError)}`;
  };
  server.on("tlsClientError", (error) => refuse(error.message));
  server.on("secureConnection", (socket: TLSSocket) => {
    const problem = certificateProblem(socket);
    if (problem) refuse(problem);
  });
  server.on("request", (request, response) => {
    const socket = request.socket as TLSSocket;
    const problem = certificateProblem(socket);
    if (problem) {
      response.writeHead(403, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      response.end(`refused: ${problem}; a certificate from the Latchkey CA is required\n`, () => socket.destroy());
      return;
    }
    const peer = socket.getPeerCertificate();
    void operators
      .identify(peer)
      .then((who) => {
        if ("refused" in who) {
          response.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
          response.end(`refused: ${who.refused}\n`);
          return;
        }
        return route(options.routes, who, request, response);
      })
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`error: ${(error as Error).message}\n`);
      });
  });
  const reload = () => {
    try {
      server.setSecureContext(tlsOptions());
    } catch (error) {
      refusals.push(`CRL reload failed, keeping the previous one: ${(error as Error).message}`);
      return;
    }
    loads++;
    for (const socket of sockets) socket.destroy();
  };
  watchFile(store.crlFile, { interval: options.crlPollMs ?? 1000 }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = options.host === "127.0.0.1" || options.host === "::1" ? "localhost" : options.host;
  return {
    url: `https://${host}:${port}/`,
    port,
    refusals,
    crlLoads: () => loads,
    close: async () => {
      unwatchFile(store.crlFile);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
