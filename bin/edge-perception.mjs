#!/usr/bin/env node
// The `edge-perception` command (package.json "bin"). Runs the built CLI (dist/, `npm run build`)
// when there is one, else the TypeScript sources through tsx registered in this process, so it
// works right after `npm install` in a fresh clone. One process either way: signals reach the app.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, "dist", "src", "cli", "main.js");
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href);
}
