// Bench-only entry: the firmware's own gate verifying signed commands, timed on whatever runs
// this bundle (Espruino's interpreter in `npm run bench`, which prepends BENCH_PRELUDE). The
// payloads are signed first, then only gate.verify is timed. Prints
// "VERIFY <ms per verification> <accepted> of <N>". Never flashed.
import { hmacSha256, createNonces } from "../../firmware/app/protocol/auth";
import { signedGate, type CommandGate } from "../../firmware/app/protocol/commands";

/** From BENCH_PRELUDE: the hal's SHA-256 (crypto.SHA256 through E.toString) and getTime(). */
declare const benchSha256: (data: string) => string;
declare function getTime(): number;

const N = 50;
const now = () => getTime() * 1000;
const mac = hmacSha256(benchSha256, "0123456789abcdef0123456789abcdef");
const topic = "latchkey/garage-door/relay/set";
const cases: { gate: CommandGate; payload: string }[] = [];
for (let i = 0; i < N; i++) {
  const nonces = createNonces(now, Math.random, 30000);
  const nonce = nonces.issue();
  const payload = JSON.stringify({ cmd: "ON", nonce, mac: mac("latchkey/1 cmd\n" + topic + "\n" + nonce + "\nON") });
  cases.push({ gate: signedGate(mac, nonces), payload });
}
let accepted = 0;
const started = now();
for (let i = 0; i < N; i++) if (cases[i].gate.verify(topic, cases[i].payload).command === "ON") accepted++;
console.log("VERIFY " + (now() - started) / N + " " + accepted + " of " + N);
