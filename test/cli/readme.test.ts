import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";

/** The README is the first thing a user reads: its lists of commands and documents must be complete. */
describe("README", () => {
  const readme = readFileSync(projectPath("README.md"), "utf8");

  it("names every CLI command (one module each in src/cli/commands/) and no other", () => {
    const commands = readdirSync(projectPath("src", "cli", "commands"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    const line = readme.split("\n").find((l) => l.startsWith("| `npm run cli -- <command>`"));
    expect(line, "the README's command table has the `npm run cli -- <command>` row").toBeDefined();
    const listed = [
      ...line!
        .split("|")[2]!
        .split(":")[1]!
        .split("(")[0]!
        .matchAll(/`([a-z-]+)`/g),
    ]
      .map((m) => m[1]!)
      .sort();
    expect(listed).toEqual(commands);
  });

  it("names every npm script", () => {
    const scripts = Object.keys(
      (
        JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts,
    );
    expect(
      scripts.filter(
        (name) => !readme.includes(`npm ${name}`) && !readme.includes(`npm run ${name}`),
      ),
    ).toEqual([]);
  });

  it("links every document in docs/ (docs/nodes/ as a folder)", () => {
    const docs = readdirSync(projectPath("docs")).filter((f) => f.endsWith(".md"));
    expect(docs.filter((f) => !readme.includes(`(docs/${f})`))).toEqual([]);
    expect(readme).toContain("(docs/nodes/)");
  });

  it("docs/ARCHITECTURE.md describes every folder of src/", () => {
    const architecture = readFileSync(projectPath("docs", "ARCHITECTURE.md"), "utf8");
    const folders = readdirSync(projectPath("src"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !architecture.includes(`\`src/${f}/\``))).toEqual([]);
  });
});
