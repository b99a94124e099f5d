/**
 * The first seconds of a rosbag2 bag as a new MCAP bag (every topic, same log times and bytes):
 * a short piece of the sample drive that an emulated arm64 replay finishes in minutes.
 * Usage: tsx scripts/arm64/bag-head.ts <bag> <out folder> <seconds>
 */
import { openBag } from "../../src/bag/open-bag.js";
import { BagWriter } from "../../src/bag/bag-writer.js";

const [src, out, seconds] = process.argv.slice(2);
if (!src || !out || !(Number(seconds) > 0)) {
  console.error("usage: tsx scripts/arm64/bag-head.ts <bag> <out folder> <seconds>");
  process.exit(2);
}
const bag = await openBag(src);
const writer = await BagWriter.create({ path: out, overwrite: true });
for (const t of bag.summary.topics) writer.addTopic({ name: t.name, type: t.type });
const end = bag.summary.startTime + BigInt(Math.round(Number(seconds) * 1e9));
let n = 0;
for await (const e of bag.entries({ endTime: end })) {
  if (e.kind !== "message") throw e.error;
  await writer.write(e.topic, e.logTime, e.data.slice(), e.publishTime);
  n++;
}
await writer.close();
await bag.close();
console.log(`${out}: ${n} messages, the first ${seconds} s of ${src}`);
