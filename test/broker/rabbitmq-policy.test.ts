// The policy as RabbitMQ's topic permissions: for every identity, topic and filter, the
// write regex allows exactly what mayPublish allows and the read regex exactly what
// maySubscribe allows (the ACL the other brokers enforce), over the routing keys the MQTT
// plugin builds; plus the client-id guard's answers and the generated node configuration.
import { describe, expect, it } from "vitest";
import { aclRules, mayPublish, maySubscribe } from "../../scripts/broker/acl.ts";
import { advancedConfig, rabbitmqConf } from "../../scripts/broker/rabbitmq-config.ts";
import { guardAnswer, startGuardProcess } from "../../scripts/broker/rabbitmq-guard.ts";
import { NOTHING, rabbitDefinitions, toRoutingKey, topicPermissions } from "../../scripts/broker/rabbitmq-policy.ts";
import { certRecord, pkiIndex } from "../support/pki-index.ts";
import { until } from "../support/wait.ts";

const INDEX = pkiIndex([
  certRecord("broker", "broker"),
  certRecord("device", "door"),
  certRecord("device", "gate-2"),
  certRecord("user", "alice", { devices: ["door"] }),
  certRecord("user", "olga"),
  certRecord("hub", "hub"),
  certRecord("ha", "ha"),
]);

const USERS = ["door", "gate-2", "alice", "olga", "hub", "ha"];
const LEAVES = ["availability", "relay/state", "relay/set", "nonce", "nonce/get", "state", "state/get", "result"];
const TOPICS = [
  ...["door", "gate-2", "other"].flatMap((d) => LEAVES.map((l) => `lk/${d}/${l}`)),
  "lk/door/telemetry",
  "lk/door/telemetry/wifi/rssi",
  "lk/door/maintenance/set",
  "lk/door/x/y/state",
  "lk",
  "lk-ha/door/relay/set",
  "homeassistant/status",
  "lkx/door/relay/set",
];
const FILTERS = [
  ...TOPICS,
  "#",
  "lk/#",
  "lk/+/relay/set",
  "lk/door/#",
  "lk/door/+/set",
  "lk/door/+/state",
  "lk/+/+/set",
  "lk/gate-2/#",
  "lk/+/nonce/get",
  "lk/door/+",
  "lk/+/#",
  "+/door/relay/set",
];

describe("RabbitMQ topic permissions", () => {
  const rules = aclRules(INDEX, "lk");
  const permissions = new Map(topicPermissions(rules).map((p) => [p.user, p]));
  const write = (user: string) => new RegExp(permissions.get(user)?.write ?? NOTHING);
  const read = (user: string) => new RegExp(permissions.get(user)?.read ?? NOTHING);

  it("map MQTT topics to routing keys as the plugin does: / to ., + to *", () => {
    expect(toRoutingKey("lk/door/+/set")).toBe("lk.door.*.set");
    expect(toRoutingKey("lk/door/#")).toBe("lk.door.#");
  });

  it("allow a publish exactly when the ACL does", () => {
    const differ = USERS.flatMap((user) =>
      TOPICS.filter((t) => write(user).test(toRoutingKey(t)) !== mayPublish(rules, user, t)).map((t) => `${user} ${t}`),
    );
    expect(differ).toEqual([]);
    expect(TOPICS.filter((t) => write("door").test(toRoutingKey(t))).length).toBeGreaterThan(5);
  });

  it("allow a subscription exactly when the ACL covers it", () => {
    const differ = USERS.flatMap((user) =>
      FILTERS.filter((f) => read(user).test(toRoutingKey(f)) !== maySubscribe(rules, user, f)).map(
        (f) => `${user} ${f}`,
      ),
    );
    expect(differ).toEqual([]);
    expect(read("hub").test("lk.#")).toBe(true);
    expect(read("alice").test("lk.#")).toBe(false);
  });

  it("give every user a topic permission (none means everything), and `ha` and the broker no user", () => {
    const definitions = rabbitDefinitions(["door", "alice", "hub", "idle"], rules);
    expect(definitions.users.map((u) => [u.name, u.password_hash])).toEqual([
      ["door", ""],
      ["alice", ""],
      ["hub", ""],
      ["idle", ""],
    ]);
    expect(definitions.topic_permissions.find((t) => t.user === "idle")).toMatchObject({
      exchange: "amq.topic",
      write: NOTHING,
      read: NOTHING,
    });
    expect(new RegExp(NOTHING).test("")).toBe(false);
    expect(definitions.permissions.find((p) => p.user === "door")).toEqual({
      user: "door",
      vhost: "/",
      configure: "^mqtt-subscription-doorqos[01]$",
      write: "^(mqtt-subscription-doorqos[01]|amq\\.topic)$",
      read: "^(mqtt-subscription-doorqos[01]|amq\\.topic)$",
    });
  });
});

describe("the client-id guard", () => {
  const q = (params: Record<string, string>) => new URLSearchParams(params);
  it("admits a connection only when its client id is its user name (the certificate's CN)", () => {
    expect(guardAnswer("/vhost", q({ username: "door", vhost: "/", client_id: "door" }))).toBe("allow");
    expect(guardAnswer("/vhost", q({ username: "mallory", vhost: "/", client_id: "door" }))).toBe("deny");
    expect(guardAnswer("/vhost", q({ username: "door", vhost: "/" }))).toBe("deny");
    expect(guardAnswer("/vhost", q({ username: "", client_id: "" }))).toBe("deny");
    for (const path of ["/user", "/resource", "/topic"]) expect(guardAnswer(path, q({ username: "x" }))).toBe("allow");
    expect(guardAnswer("/other", q({}))).toBe("deny");
  });

  it("answers the same from a process of its own (as a fleet's cluster runs it), and stops with it", async () => {
    const lines: string[] = [];
    const guard = await startGuardProcess("127.0.0.1", (line) => lines.push(line));
    const ask = (query: string) =>
      fetch(`http://${guard.host}:${guard.port}/vhost?${query}`).then((response) => response.text());
    try {
      expect(await ask("username=door&vhost=%2F&client_id=door")).toBe("allow");
      expect(await ask("username=alice&vhost=%2F&client_id=door")).toBe("deny");
      await until("the guard's line about the refusal", () => guard.refused() === 1);
      expect(lines).toContain("client-id guard: refused 'alice' connecting with client id 'door'");
    } finally {
      await guard.close();
    }
    await expect(ask("username=door&vhost=%2F&client_id=door")).rejects.toThrow();
  }, 30000);
});

describe("a RabbitMQ node's configuration", () => {
  const files = { ca: "/c/ca.pem", cert: "/c/cert.pem", key: "/c/key.pem", crlDir: "/c/crl", definitions: "/c/d.json" };
  it("has TLS MQTT only, certificate login, no anonymous access, the peers", () => {
    const conf = rabbitmqConf({ host: "127.0.0.1", mqttPort: 8883 }, files, ["rabbit@a"]).split("\n");
    for (const line of [
      "listeners.tcp = none",
      "mqtt.listeners.tcp = none",
      "mqtt.listeners.ssl.default = 127.0.0.1:8883",
      "mqtt.allow_anonymous = false",
      "mqtt.ssl_cert_login = true",
      "ssl_cert_login_from = common_name",
      "load_definitions = /c/d.json",
      "cluster_formation.classic_config.nodes.1 = rabbit@a",
    ])
      expect(conf).toContain(line);
  });

  it("requires a verified client certificate checked against the CRL, TLS 1.2+, our suites", () => {
    const advanced = advancedConfig(files, { host: "127.0.0.1", port: 15680 });
    for (const term of [
      "{verify, verify_peer}",
      "{fail_if_no_peer_cert, true}",
      "{versions, ['tlsv1.3', 'tlsv1.2']}",
      "{crl_check, peer}",
      '{crl_cache, {ssl_crl_hash_dir, {internal, [{dir, "/c/crl"}]}}}',
      "ECDHE-ECDSA-AES128-GCM-SHA256",
      "TLS_AES_128_GCM_SHA256",
      "[rabbit_auth_backend_internal, rabbit_auth_backend_http]",
      '{vhost_path, "http://127.0.0.1:15680/vhost"}',
    ])
      expect(advanced).toContain(term);
    expect(advanced).not.toMatch(/CBC|tlsv1\.1|'tlsv1'/);
  });
});
