// Every actuation goes through here, whoever asked (an operator's page, Home Assistant): the
// word is checked against the entity's commands, the "sent" audit record is written BEFORE the
// command leaves, the command is signed with the device's key and a fresh device nonce
// (sendSignedCommand), and the device's verified result of THAT command (bound to its MAC) is
// audited. A command is sent once: a refusal or a timeout is recorded and shown, never retried
// (a second copy could be a second press). One command per device at a time (the device keeps
// one live nonce); a bounded queue behind it, refused when full.
import { randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import { sendSignedCommand } from "../lib/signing.ts";
import type { AuditLog, AuditRecord } from "./audit.ts";
import type { DeviceStates } from "./device-state.ts";
import { commandable } from "../lib/entities.ts";

/** Commands waiting per device beyond the one running. */
export const MAX_QUEUED = 4;

export interface Request {
  who: string;
  via: AuditRecord["via"];
  device: string;
  entity: string;
  cmd: string;
}

export interface Outcome {
  accepted: boolean;
  detail: string;
}

export class Commander {
  private readonly chains = new Map<string, { tail: Promise<unknown>; depth: number }>();

  constructor(
    private readonly client: () => MqttClient,
    private readonly states: DeviceStates,
    private readonly audit: AuditLog,
    private readonly timeoutMs: number,
  ) {}

  async command(request: Request): Promise<Outcome> {
    const view = this.states.view(request.device);
    const entity = view && commandable(view.entities, request.entity, request.cmd);
    return this.send(request, entity?.command?.topic);
  }

  /** A device administration command (admin.ts: the caller checked who may send it) on
   *  `leaf` of the device's topics, e.g. "maintenance/set"; signed and audited as any other. */
  async administer(request: Request, leaf: string): Promise<Outcome> {
    const profile = this.states.profile(request.device);
    return this.send(request, profile && `${profile.topicPrefix}/${request.device}/${leaf}`);
  }

  private async send(request: Request, topic: string | undefined): Promise<Outcome> {
    const id = randomUUID();
    const base = {
      id,
      who: request.who,
      via: request.via,
      device: request.device,
      entity: request.entity,
      cmd: request.cmd,
    };
    const profile = this.states.profile(request.device);
    if (!profile || !topic) {
      const detail = `no command ${request.cmd} for ${request.device}/${request.entity}`;
      this.audit.append({ ...base, phase: "denied", accepted: false, detail });
      return { accepted: false, detail };
    }
    const chain = this.chains.get(request.device) ?? { tail: Promise.resolve(), depth: 0 };
    if (chain.depth > MAX_QUEUED) {
      const detail = `busy: ${chain.depth} commands for ${request.device} already waiting`;
      this.audit.append({ ...base, phase: "denied", accepted: false, detail });
      return { accepted: false, detail };
    }
    chain.depth++;
    this.chains.set(request.device, chain);
    const run = async (): Promise<Outcome> => {
      // On disk before the command leaves (group commit: concurrent commands share an fsync).
      await this.audit.commit({ ...base, phase: "sent" });
      let outcome: Outcome;
      let mac: string | undefined;
      try {
        outcome = await sendSignedCommand(this.client(), {
          prefix: profile.topicPrefix,
          device: request.device,
          key: this.states.key(request.device),
          topic,
          cmd: request.cmd,
          timeoutMs: this.timeoutMs,
          onSigned: (m) => (mac = m),
          // The hub follows every device's topics (hub.ts): no subscription per command.
          covered: true,
        });
      } catch (error) {
        outcome = { accepted: false, detail: (error as Error).message };
      }
      // On disk before the outcome is reported.
      await this.audit.commit({ ...base, phase: "result", ...outcome, ...(mac ? { mac } : {}) });
      this.states.recordResult(request.device, { at: Date.now(), who: request.who, cmd: request.cmd, ...outcome });
      return outcome;
    };
    const result = chain.tail.then(run, run);
    chain.tail = result.finally(() => {
      chain.depth--;
      if (chain.depth === 0) this.chains.delete(request.device);
    });
    return result;
  }
}
