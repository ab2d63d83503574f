// The broker conformance suite (test/support/conformance-suite.ts) on Mosquitto and on the
// embedded broker; the RabbitMQ cluster's run is conformance-rabbitmq.test.ts.
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { PREFIX } from "../support/conformance.ts";
import { conformanceSuite } from "../support/conformance-suite.ts";

for (const { name, embedded, skip, signals } of [
  {
    name: "Mosquitto",
    embedded: false,
    skip: mosquittoMissing(),
    signals: {
      publish: "acknowledged",
      subscribe: "granted",
      nobody: "connects",
      takeover: "accepted under its own id",
      revoked: "closed device 'door-r''s open session (client id taken over); its reconnect is refused",
    },
  },
  {
    name: "embedded broker (aedes)",
    embedded: true,
    skip: false,
    signals: {
      publish: "closed",
      subscribe: "0x80",
      nobody: "connects",
      takeover: "accepted under its own id",
      revoked: "the embedded broker closed every open connection with that certificate",
    },
  },
] as const) {
  let broker: Broker | undefined;
  printLogOnFailure(() => [broker]);
  conformanceSuite(name, skip, signals, async (stateDir) => {
    broker = await startProjectBroker(stateDir, PREFIX, embedded);
    const started = broker;
    return {
      kind: embedded ? "embedded" : "mosquitto",
      port: () => started.port,
      log: started.log,
      stop: started.stop,
    };
  });
}
