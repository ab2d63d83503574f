// The broker conformance suite (test/support/conformance-suite.ts) on a 3-node RabbitMQ
// cluster, started once for the whole file: each case's client and its probe publisher are
// on different nodes, so every delivery crosses the cluster.
import { PREFIX } from "../support/conformance.ts";
import { conformanceSuite } from "../support/conformance-suite.ts";
import { rabbitmqMissing, startTestRabbit } from "../support/rabbitmq.ts";

conformanceSuite(
  "RabbitMQ cluster (3 nodes)",
  rabbitmqMissing(),
  { publish: "closed", subscribe: "closed", nobody: "refused", takeover: "refused" },
  async (stateDir) => {
    const rabbit = await startTestRabbit(stateDir, PREFIX, 3);
    console.log(`RabbitMQ: 3-node cluster started in ${(rabbit.startMs / 1000).toFixed(1)} s`);
    return { kind: "rabbitmq", port: rabbit.port, log: rabbit.cluster.log, stop: rabbit.stop };
  },
  240000,
);
