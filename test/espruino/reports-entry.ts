// Bundled by reports.test.ts and run on Espruino's own interpreter: a burst of reports made
// while the link is down, then the CONNACK's resend(), through the very Reports the firmware
// uses. Prints `SENT <topic>` for every publish and `DONE` at the end.
import { createReports } from "../../firmware/app/protocol/reports";

declare function print(text: string): void;

const timers = { set: () => undefined, clear: () => undefined };
const reports = createReports(timers);
let online = false;
reports.attach((topic) => {
  if (!online) return "offline";
  print("SENT " + topic);
  return undefined;
});
const topics = ["relay/state", "maintenance/state", "input/door/state", "cover/state", "telemetry"];
for (let i = 0; i < topics.length; i++) reports.report(topics[i], "v" + i);
online = true;
reports.resend();
print("DONE");
