// Bench-only entry, run on Espruino's own interpreter by scripts/bench/espruino.ts (never
// flashed). One driver measures Latchkey's codec, Espruino's MQTT module (the global `EMQTT`,
// prepended by the bench from a local copy of EspruinoDocs' modules/MQTT.js), and neither
// ("none": the event queue and the message callback alone, which both pay), on the same 1,000
// PUBLISH packets, the same way: socket data arrives through Espruino's event queue
// (`obj.emit('data', chunk)`, src/jswrap_object.c), one chunk per event, the next chunk after
// the queue ran empty. Each library does the same work per packet: the message callback, and
// a PUBACK written at QoS 1 (the module writes its own; Latchkey's as its session does).
// The libraries in BENCH_LIBS take turns, each step of a round for each library in a row, so
// a machine whose load changes affects both alike. Prints one line `BENCH <json>` per figure;
// "held" (variables kept after the burst) only when one library runs alone.
import { Decoder } from "../../firmware/mqtt/codec/decoder";
import { decodeFromBroker } from "../../firmware/mqtt/codec/decode";
import { encodePublish } from "../../firmware/mqtt/codec/encode";
import type { Packet } from "../../firmware/mqtt/codec/packets";

declare function getTime(): number;
declare function print(text: string): void;
declare const BENCH_LIBS: string[];
declare const BENCH_ROUNDS: number;
/** One figure alone ("chunks", "whole" or "encode"), or "" for all; "setup" runs none (what
 *  the script costs before any figure: the instruction count run subtracts it). */
declare const BENCH_ONLY: string;
declare const EMQTT: { create(server: string): EspruinoMqtt };
/** `mqtt.publish(...)`, defined by the bench beside the module: the build mangles the name
 *  `publish` (one of its INTERNAL_NAMES), which the module, minified on its own, keeps. */
declare function EMQTT_PUBLISH(mqtt: EspruinoMqtt, topic: string, message: string, opts: { qos: number }): void;

interface Emitter {
  on(event: string, listener: (a: string, b: string) => void): void;
  emit(event: string, data: string): void;
}
interface EspruinoMqtt extends Emitter {
  ctimo: number;
  connect(client: unknown): void;
}
interface Sample {
  topic: string;
  payload: string;
  qos: 0 | 1;
  id: number;
}

const COUNT = 1000;
const CHUNK = 536;
const TOPICS = [
  "latchkey/garage-door/relay/set",
  "latchkey/garage-door/telemetry",
  "latchkey/front-gate/relay/state",
  "latchkey/pump-house-2/relay/set",
];

function usage(): number {
  // process.memory() runs a garbage collection first (src/jswrap_process.c).
  return (process as unknown as { memory(): { usage: number } }).memory().usage;
}

function report(lib: string, name: string, value: number, extra: string): void {
  print("BENCH " + JSON.stringify({ lib, name, value, extra }));
}

/** The packets, and their wire bytes built by a plain encoder of the driver's own. */
function samples(): { list: Sample[]; wire: string; payloadBytes: number } {
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 69069 + 1) % 4294967296;
    return Math.floor((seed / 4294967296) * n);
  };
  // Payloads are cut from 356 random bytes: random content without a call per byte (the
  // instruction count run starts the script once per figure).
  let bytes = "";
  for (let k = 0; k < 356; k++) bytes += String.fromCharCode(next(256));
  const list: Sample[] = [];
  let wire = "";
  let payloadBytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const topic = TOPICS[next(4)];
    const size = 2 + next(99);
    const payload = bytes.substr(next(256), size);
    const qos = next(2) as 0 | 1;
    const id = qos ? i + 1 : 0;
    list.push({ topic, payload, qos, id });
    payloadBytes += size;
    const body =
      String.fromCharCode(0, topic.length) + topic + (qos ? String.fromCharCode(id >> 8, id & 255) : "") + payload;
    let length = "";
    let n = body.length;
    do {
      length += String.fromCharCode((n & 127) | (n > 127 ? 128 : 0));
      n = n >> 7;
    } while (n > 0);
    wire += String.fromCharCode(0x30 | (qos << 1)) + length + body;
  }
  return { list, wire, payloadBytes };
}

/** A socket-like object and a way to count what the library under test decoded from it. */
function subject(
  lib: string,
  onMessage: (topic: string, payload: string) => void,
  data: { list: Sample[]; wire: string },
): {
  socket: Emitter;
  publish: (s: Sample) => void;
  decoded?: () => number;
} {
  const written: string[] = [""];
  const socket = {
    write: (data: string) => {
      written[0] = data;
    },
  } as unknown as Emitter;
  if (lib === "none") {
    // What both libraries pay and neither decodes: the event queue delivering the chunks, and
    // the message callback once per packet (from the samples, once the last byte came).
    let got = 0;
    socket.on("data", (chunk: string) => {
      got += chunk.length;
      if (got < data.wire.length) return;
      got = 0;
      // forEach, not list[k]: an Espruino array is a list, and list[k] walks k elements.
      data.list.forEach((sample) => onMessage(sample.topic, sample.payload));
    });
    // Encoding: the call per packet and the one socket write both libraries make.
    const sink = socket as unknown as { write(d: string): void };
    return { socket, publish: (s) => sink.write(s.payload) };
  }
  if (lib === "espruino") {
    const mqtt = EMQTT.create("bench");
    mqtt.connect(socket);
    clearTimeout(mqtt.ctimo);
    mqtt.on("message", onMessage);
    return { socket, publish: (s) => EMQTT_PUBLISH(mqtt, s.topic, s.payload, { qos: s.qos }) };
  }
  const decoder = new Decoder(4096, decodeFromBroker);
  const sink = socket as unknown as { write(d: string): void };
  // Every packet here is a PUBLISH, decoded by the decoder itself; anything else is a mistake.
  const onPacket = (p: Packet) => print("ERROR not a PUBLISH: " + p.type);
  // What the session does with a PUBLISH (firmware/mqtt/session.ts): the message, then the
  // PUBACK at QoS 1.
  const onPublish = (topic: string, payload: string, first: number, id: string) => {
    onMessage(topic, payload);
    if (first & 2) sink.write("@\x02" + id);
  };
  socket.on("data", (chunk: string) => {
    const problem = decoder.push(chunk, onPacket, onPublish);
    if (problem !== undefined) print("ERROR " + problem);
  });
  return {
    socket,
    publish: (s) => sink.write(encodePublish(s.topic, s.payload, s.qos, false, s.id)),
    decoded: () => decoder.buffered,
  };
}

function run(): void {
  const data = samples();
  const pieces: string[] = [];
  for (let at = 0; at < data.wire.length; at += CHUNK) pieces.push(data.wire.substr(at, CHUNK));
  let count = 0;
  let bytes = 0;
  let started = 0;
  let finish: (() => void) | undefined;
  const onMessage = (_topic: string, payload: string) => {
    count++;
    bytes += payload.length;
    if (count === COUNT && finish) finish();
  };
  const subjects = BENCH_LIBS.map((lib) => subject(lib, onMessage, data));
  const check = (name: string) => {
    if (count !== COUNT || bytes !== data.payloadBytes) {
      print("ERROR " + name + ": decoded " + count + " packets, " + bytes + " payload bytes");
    }
  };
  let before = 0;
  const steps: (() => void)[] = [
    () => {
      // The first idle turn still holds what the script's load left (about 600 variables on
      // 2v29): the baseline is taken on the second.
      setTimeout(nextStep, 10);
    },
    () => {
      before = usage();
      setTimeout(nextStep, 10);
    },
  ];
  const wanted = (name: string) => !BENCH_ONLY || BENCH_ONLY === name;
  for (let round = 0; round < BENCH_ROUNDS; round++) {
    BENCH_LIBS.forEach((lib, k) => {
      const s = subjects[k];
      if (!wanted("chunks")) return;
      steps.push(() => {
        // Decode, fed in 536-byte chunks (one TCP segment each), one event per chunk.
        count = bytes = 0;
        let i = 0;
        finish = () => {
          report(lib, "chunks", (getTime() - started) * 1000, pieces.length + " chunks");
          check("chunks");
          finish = undefined;
          setTimeout(nextStep, 10);
        };
        const feed = () => {
          if (i < pieces.length) {
            s.socket.emit("data", pieces[i++]);
            setTimeout(feed, 0);
          }
        };
        started = getTime();
        feed();
      });
    });
    BENCH_LIBS.forEach((lib, k) => {
      const s = subjects[k];
      if (!wanted("whole")) return;
      steps.push(() => {
        // Decode, the whole stream as one string in one event.
        count = bytes = 0;
        finish = () => {
          report(lib, "whole", (getTime() - started) * 1000, data.wire.length + " bytes");
          check("whole");
          finish = undefined;
          setTimeout(nextStep, 10);
        };
        started = getTime();
        s.socket.emit("data", data.wire);
      });
    });
    BENCH_LIBS.forEach((lib, k) => {
      const s = subjects[k];
      if (!wanted("encode")) return;
      steps.push(() => {
        // Encode: 1,000 PUBLISH packets written to the socket.
        const t = getTime();
        // forEach, not list[i]: an Espruino array is a list, and list[i] walks i elements
        // (src/jsvar.c, jsvFindChildFromVar), which both libraries would pay per packet.
        data.list.forEach(s.publish);
        report(lib, "encode", (getTime() - t) * 1000, COUNT + " packets");
        setTimeout(nextStep, 10);
      });
    });
  }
  steps.push(() => {
    if (BENCH_LIBS.length !== 1) return print("BENCH_DONE");
    const after = usage();
    const lib = BENCH_LIBS[0];
    report(lib, "held", after - before, "variables held after the burst minus before (" + before + " before)");
    const decoded = subjects[0].decoded;
    if (decoded) report(lib, "buffered", decoded(), "bytes the decoder holds after the burst");
    print("BENCH_DONE");
  });
  let step = 0;
  function nextStep(): void {
    const f = steps[step++];
    if (f) f();
  }
  nextStep();
}

run();
