// The page's HTTP routes, for an operator already identified (access.ts). Every answer names
// only the devices that operator may see. Commands are POSTs of JSON with a custom header:
// a browser sends neither cross-site without a CORS preflight, which this server never
// grants, so another site cannot make an operator's browser press a button (CSRF).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { maySee, type Operator } from "./access.ts";
import { ADMIN_ACTIONS, administer, notOwner, type AdminAction } from "./admin.ts";
import type { AuditLog } from "./audit.ts";
import type { Commander } from "./commander.ts";
import type { DeviceJournals } from "./device-journal.ts";
import type { DeviceStates } from "./device-state.ts";
import type { LiveFeed } from "./live-feed.ts";
import type { PageDevice } from "./page-model.ts";
import { resultWords } from "./value-words.ts";
import { PAGE_CSS, PAGE_HTML, PAGE_ICON, PAGE_SCRIPT } from "./page.ts";
import type { Updates } from "./updates.ts";

export interface Routes {
  states: DeviceStates;
  commander: Commander;
  audit: AuditLog;
  feed: LiveFeed;
  journals: DeviceJournals;
  updates: Updates;
  /** A device as the page draws it (page-model.ts). */
  present(id: string): PageDevice | undefined;
}

/** What an operator who sees no device is told instead of an empty page. */
export function noDevicesNotice(operator: Operator, followed: string[]): string | undefined {
  if (operator.devices === undefined)
    return followed.length === 0 ? "This hub follows no device: give it a device profile (--profile)." : undefined;
  if (operator.devices.some((d) => followed.includes(d))) return undefined;
  if (operator.devices.length === 0)
    return `The certificate of ${operator.cn} names no device, so there is nothing to show.`;
  const names = operator.devices.join(", ");
  return `The certificate of ${operator.cn} is limited to ${names}, and this hub has no profile for ${
    operator.devices.length === 1 ? "it" : "any of them"
  }: ask the hub's owner to add the device's profile (--profile), or to issue a certificate for the devices it follows.`;
}

const MAX_BODY = 1024;
export const COMMAND_HEADER = "x-latchkey-command";
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, "content-type": `${type}; charset=utf-8` });
  response.end(body);
}

const json = (response: ServerResponse, status: number, value: unknown) =>
  send(response, status, "application/json", JSON.stringify(value));

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > MAX_BODY) throw new Error("request body too large");
  }
  return text;
}

export async function route(
  routes: Routes,
  operator: Operator,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "https://hub.invalid");
  const visible = routes.states.ids().filter((id) => maySee(operator, id));
  if (request.method === "GET") {
    switch (url.pathname) {
      case "/":
        return send(response, 200, "text/html", PAGE_HTML);
      case "/app.js":
        return send(response, 200, "text/javascript", PAGE_SCRIPT);
      case "/app.css":
        return send(response, 200, "text/css", PAGE_CSS);
      case "/icon.svg":
        return send(response, 200, "image/svg+xml", PAGE_ICON);
      case "/api/state":
        await routes.journals.refreshCertificates();
        return json(response, 200, {
          operator: operator.cn,
          // The owner (every device) also gets updates, restarts and maintenance windows.
          owner: operator.devices === undefined,
          now: Date.now(),
          notice: noDevicesNotice(operator, routes.states.ids()),
          devices: visible.map((id) => routes.present(id)),
          audit: routes.audit
            .recent(200)
            .filter((r) => visible.includes(r.device))
            .slice(0, 20),
        });
      case "/events":
        return routes.feed.add(operator, response);
    }
  }
  if (request.method === "POST" && (url.pathname === "/api/command" || url.pathname === "/api/admin")) {
    if (request.headers[COMMAND_HEADER] !== "1" || !request.headers["content-type"]?.startsWith("application/json"))
      return json(response, 400, { error: `a command is a JSON POST with the ${COMMAND_HEADER} header` });
    let command: { device?: unknown; entity?: unknown; cmd?: unknown; action?: unknown };
    try {
      command = JSON.parse(await body(request)) as typeof command;
    } catch (error) {
      return json(response, 400, { error: (error as Error).message });
    }
    const admin = url.pathname === "/api/admin";
    const { device } = command;
    const entity = admin ? (command.action === "update" ? "firmware" : "maintenance") : command.entity;
    const cmd = admin ? command.action : command.cmd;
    if (admin && !ADMIN_ACTIONS.includes(cmd as AdminAction))
      return json(response, 400, { error: `action must be one of ${ADMIN_ACTIONS.join(", ")}` });
    if (typeof device !== "string" || typeof entity !== "string" || typeof cmd !== "string")
      return json(response, 400, { error: "device, entity and cmd must be strings" });
    const deny = (status: number, detail: string, error: string) => {
      routes.audit.append({
        id: randomUUID(),
        phase: "denied",
        who: operator.cn,
        via: "web",
        device,
        entity,
        cmd,
        accepted: false,
        detail,
      });
      return json(response, status, { error });
    };
    // Another operator's device is answered exactly like a device that does not exist.
    if (!visible.includes(device)) return deny(404, `no device '${device}' for this operator`, `no device '${device}'`);
    if (!admin) {
      const outcome = await routes.commander.command({ who: operator.cn, via: "web", device, entity, cmd });
      return json(response, 200, { ...outcome, said: resultWords(outcome.accepted, outcome.detail) });
    }
    const refused = notOwner(operator, cmd as AdminAction);
    if (refused) return deny(403, refused, refused);
    const outcome = await administer(
      routes.commander,
      routes.updates,
      routes.states,
      operator.cn,
      device,
      cmd as AdminAction,
    );
    return json(response, 200, { ...outcome, said: resultWords(outcome.accepted, outcome.detail) });
  }
  send(response, 404, "text/plain", "not found\n");
}
