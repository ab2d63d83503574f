// `npx tsx scripts/bundle-report.ts [dist/latchkey.js]`: bundle bytes per firmware source
// file, largest first (build first with `npm run build`).
import path from "node:path";
import { bytesPerSource } from "./lib/bundle-bytes.ts";

const file = path.resolve(process.argv[2] ?? "dist/latchkey.js");
const totals = bytesPerSource(file);
const rows = Object.entries(totals).sort((a, b) => b[1] - a[1]);
let sum = 0;
for (const [source, bytes] of rows) {
  sum += bytes;
  console.log(`${String(bytes).padStart(6)}  ${source}`);
}
console.log(`${String(sum).padStart(6)}  total`);
