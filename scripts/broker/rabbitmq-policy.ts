// The broker policy (acl.ts) as RabbitMQ 3.10 enforces it: users, resource permissions and
// topic permissions in a definitions document (`rabbitmqctl import_definitions`, or
// `load_definitions` at boot).
//
// How the MQTT plugin maps MQTT onto AMQP (rabbit_mqtt_util:to_amqp/1, 3.10.8): every
// publish goes to the topic exchange `amq.topic` with the topic as routing key, `/` replaced
// by `.` and `+` by `*`; a subscription is a binding of the client's queue
// `mqtt-subscription-<client id>qos0|qos1` to `amq.topic` with the filter converted the
// same way (`#` stays `#`). Topic permissions are one write and one read regular expression
// per user and exchange: a PUBLISH is checked as `write` against its routing key, a
// SUBSCRIBE as `read` against the converted filter itself (so `+` arrives as a literal `*`
// and `#` as a literal `#`). A user with NO topic permission on an exchange may publish and
// bind anything there: every user written here gets one, and a user with no rule of a kind
// gets NOTHING, a regex that matches no key.
//
// Our topic levels are `[A-Za-z0-9_-]` (TOPIC_LEVEL), so the regexes need no escaping beyond
// the separator, and a `.` inside an MQTT topic only ever splits a level further: the
// routing key is checked, and that key is what subscribers receive.
import type { AclRule } from "./acl.ts";

export const RABBITMQ_EXCHANGE = "amq.topic";
export const RABBITMQ_VHOST = "/";
/** A regex no routing key matches (a negative look-ahead of nothing always fails). */
export const NOTHING = "^(?!)$";

/** MQTT topic name or filter -> AMQP routing or binding key (rabbit_mqtt_util:to_amqp/1). */
export function toRoutingKey(topic: string): string {
  return topic.replaceAll("/", ".").replaceAll("+", "*");
}

/** One ACL pattern as a regex body over routing keys. For writes the key is a concrete topic;
 *  for reads it is a converted filter, whose `*` (from `+`) and `#` must fall inside what the
 *  pattern covers (acl.ts `covers`): a `+` level of the pattern takes any one level that is
 *  not `#`; a trailing `#` takes the parent itself or anything below it. */
export function patternRegex(pattern: string): string {
  const levels = pattern.split("/");
  let body = "";
  for (const [i, level] of levels.entries()) {
    const sep = i === 0 ? "" : "\\.";
    if (level === "#") body += i === 0 ? ".*" : `(${sep}.*)?`;
    else if (level === "+") body += `${sep}[^.#]*`;
    else body += sep + level;
  }
  return body;
}

export interface TopicPermission {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}

function alternation(patterns: string[]): string {
  if (patterns.length === 0) return NOTHING;
  return `^(${patterns.map(patternRegex).join("|")})$`;
}

/** Per user, one write and one read regex with the meaning of its ACL rules. */
export function topicPermissions(rules: AclRule[]): TopicPermission[] {
  const users = [...new Set(rules.map((r) => r.user))];
  return users.map((user) => {
    const mine = rules.filter((r) => r.user === user);
    return {
      user,
      vhost: RABBITMQ_VHOST,
      exchange: RABBITMQ_EXCHANGE,
      write: alternation(mine.filter((r) => r.access !== "read").map((r) => r.topic)),
      read: alternation(mine.filter((r) => r.access !== "write").map((r) => r.topic)),
    };
  });
}

/** The queues the MQTT plugin declares for a client id (rabbit_mqtt_util:subcription_queue_name/1). */
const queues = (clientId: string) => `mqtt-subscription-${clientId}qos[01]`;

export interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  "apply-to": "queues";
  priority: number;
  definition: Record<string, string | number>;
}

/** Every MQTT session's queues mirrored on a second node. The plugin keeps a QoS 1
 *  subscription in a durable classic queue on the node the client connected to, even for a
 *  clean session (rabbit_mqtt_processor: `durable = true, auto_delete = CleanSess`); with
 *  that node down the queue's record stays and every later declare of it, on any node, fails
 *  ("home node ... is down or inaccessible"), so neither a device nor the hub whose session
 *  was there could subscribe again until the node came back. A mirror is promoted instead
 *  (`ha-promote-on-failure` is `always` by default) and the session moves on. */
export const SESSION_MIRRORS: Policy = {
  vhost: RABBITMQ_VHOST,
  name: "latchkey-mqtt-sessions",
  pattern: "^mqtt-subscription-",
  "apply-to": "queues",
  priority: 0,
  definition: { "ha-mode": "exactly", "ha-params": 2, "ha-sync-mode": "automatic" },
};

export interface Definitions {
  rabbit_version: string;
  users: { name: string; password_hash: string; hashing_algorithm: string; tags: string[]; limits: object }[];
  vhosts: { name: string }[];
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
  topic_permissions: TopicPermission[];
  parameters: never[];
  global_parameters: never[];
  policies: Policy[];
  queues: never[];
  exchanges: never[];
  bindings: never[];
}

/** Users (no password: the certificate's CN logs in, rabbit_auth_mechanism-free MQTT
 *  `ssl_cert_login`), each allowed only its own subscription queues (named by its client id,
 *  which is its CN) and the topic exchange, and the topic permissions above. `users` lists
 *  every identity that may connect; the broker's own identity and `ha` are not among them. */
export function rabbitDefinitions(users: string[], rules: AclRule[]): Definitions {
  const topics = new Map(topicPermissions(rules).map((t) => [t.user, t]));
  return {
    rabbit_version: "3.10.8",
    users: users.map((name) => ({
      name,
      password_hash: "",
      hashing_algorithm: "rabbit_password_hashing_sha256",
      tags: [],
      limits: {},
    })),
    vhosts: [{ name: RABBITMQ_VHOST }],
    permissions: users.map((user) => ({
      user,
      vhost: RABBITMQ_VHOST,
      configure: `^${queues(user)}$`,
      write: `^(${queues(user)}|amq\\.topic)$`,
      read: `^(${queues(user)}|amq\\.topic)$`,
    })),
    topic_permissions: users.map(
      (user) =>
        topics.get(user) ?? {
          user,
          vhost: RABBITMQ_VHOST,
          exchange: RABBITMQ_EXCHANGE,
          write: NOTHING,
          read: NOTHING,
        },
    ),
    parameters: [],
    global_parameters: [],
    policies: [SESSION_MIRRORS],
    queues: [],
    exchanges: [],
    bindings: [],
  };
}
