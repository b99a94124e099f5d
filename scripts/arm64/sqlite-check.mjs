// better-sqlite3 on this platform: reads every message of rosbag2 .db3 files in (timestamp, id)
// order, as src/bag/sqlite-file.ts does, and prints per file the topics, the message count and a
// digest of all rows, without the platform, so x86 and arm64 outputs compare as text.
// Plain JavaScript: runs on x86 and under qemu-aarch64 alike. Usage: node sqlite-check.mjs <file.db3>...
import { createHash } from "node:crypto";
import Database from "better-sqlite3";

for (const f of process.argv.slice(2)) {
  const db = new Database(f, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  const topics = db.prepare("SELECT id, name, type FROM topics ORDER BY id").all();
  const hash = createHash("sha256");
  let n = 0;
  for (const row of db
    .prepare("SELECT id, topic_id, timestamp, data FROM messages ORDER BY timestamp, id")
    .iterate()) {
    hash.update(`${row.id},${row.topic_id},${row.timestamp};`).update(row.data);
    n++;
  }
  db.close();
  console.log(
    `${f.split("/").slice(-2).join("/")}: ${topics.map((t) => t.name).join(" ")}; ${n} messages, ${hash.digest("hex").slice(0, 16)}`,
  );
}
console.error(`sqlite-check: ${process.arch}`);
