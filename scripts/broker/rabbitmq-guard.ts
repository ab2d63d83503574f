// The client-id guard: RabbitMQ's HTTP authorisation backend (rabbitmq_auth_backend_http)
// answered on loopback, second to the internal backend (rabbitmq-config.ts). It allows a
// connection only when its MQTT client id IS its user name, the certificate's CN.
//
// Why: the MQTT plugin of 3.10 registers a client id cluster-wide after the login and closes
// any earlier connection with that id (rabbit_mqtt_processor:process_connect/2 ->
// rabbit_mqtt_collector:register/2), and neither it nor the internal backend ties the id to
// the user. Mosquitto does (use_username_as_clientid), the embedded broker does (client.id =
// CN): without the guard any identity could close any device's session ([MQTT-3.1.4-2]).
// The vhost check runs inside the login, before the registration, and receives the client id
// (rabbit_direct:connect1/5 passes the MQTT `variable_map`; the HTTP backend sends its keys
// as query parameters): a refused id gets CONNACK 5 and nobody is closed.
//
// Every other question is "allow": the internal backend, asked as well, decides users,
// queues and topics (all backends must allow). When the guard is down, RabbitMQ refuses every
// login: it fails closed.
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { freePort } from "./mosquitto.ts";

export interface Guard {
  host: string;
  port: number;
  /** How many connections it refused (a client id that is not the CN). */
  refused(): number;
  close(): Promise<void>;
}

/** The answer to one backend request: path and query as RabbitMQ sends them. */
export function guardAnswer(pathname: string, query: URLSearchParams): "allow" | "deny" {
  switch (pathname) {
    case "/user":
    case "/resource":
    case "/topic":
      return "allow";
    case "/vhost": {
      const user = query.get("username");
      const clientId = query.get("client_id");
      return user !== null && user !== "" && clientId === user ? "allow" : "deny";
    }
    default:
      return "deny";
  }
}

export async function startGuard(host: string, port: number, log?: (line: string) => void): Promise<Guard> {
  let refused = 0;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://guard");
    const answer = guardAnswer(url.pathname, url.searchParams);
    if (answer === "deny" && url.pathname === "/vhost") {
      refused++;
      log?.(
        `client-id guard: refused '${url.searchParams.get("username")}' connecting with client id '${url.searchParams.get("client_id")}'`,
      );
    }
    response.writeHead(200, { "content-type": "text/plain" });
    response.end(answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    host,
    port: typeof address === "object" && address ? address.port : port,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The guard in a process of its own (`npm run broker -- --client-id-guard`), as on a real
 *  host: its answers do not wait for this process's event loop (a fleet's simulated devices and
 *  hub share it, and RabbitMQ asks the guard at every login and at every new topic published). */
export async function startGuardProcess(host: string, log?: (line: string) => void): Promise<Guard> {
  const port = await freePort();
  const cli = path.join(import.meta.dirname, "cli.ts");
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", cli, "--client-id-guard", "--host", host, "--port", `${port}`],
    {
      cwd: path.join(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let refused = 0;
  let output = "";
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on("data", (d: Buffer) => {
      output += d;
      for (const line of d.toString().split("\n")) {
        if (line.startsWith("client-id guard: refused")) refused++;
        if (line.startsWith("client-id guard")) log?.(line);
      }
      if (output.includes("client-id guard for RabbitMQ on")) resolve();
    });
    proc.stderr.on("data", (d: Buffer) => (output += d));
    void exited.then(() => reject(new Error(`the client-id guard stopped: ${output.trim()}`)));
  });
  return {
    host,
    port,
    refused: () => refused,
    close: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}
