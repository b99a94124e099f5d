/**
 * Helpers for bag tests: where the shared upstream bags are, temp folders, copies to corrupt, and
 * a registry with the upstream test_msgs types (hand-written fixtures in test/fixtures/msgs).
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { MessageRegistry, messageRegistry } from "../../src/msgs/registry.js";

const shared = sharedDir();

/** `../shared/bags/rosbag2`, or undefined when the shared data is absent. */
export const rosbag2Dir: string | undefined = shared ? join(shared, "bags", "rosbag2") : undefined;
if (!rosbag2Dir) console.warn("skipping bag tests on real bags: ../shared is absent");

/** A path inside ../shared/bags/rosbag2 (only call inside describe.skipIf(!rosbag2Dir)). */
export function sharedBag(...parts: string[]): string {
  return join(rosbag2Dir!, ...parts);
}

/** A fresh temp folder; remove it with `removeTemp`. */
export function makeTemp(prefix = "ep-bag-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies a shared bag (folder or file) into `dir` and returns the copy's path (writable). */
export function copyBag(dir: string, ...parts: string[]): string {
  const target = join(dir, parts[parts.length - 1]!);
  cpSync(sharedBag(...parts), target, { recursive: true });
  // The shared files are read-only; copies must be writable to be corrupted.
  const makeWritable = (path: string): void => {
    const isDir = statSync(path).isDirectory();
    chmodSync(path, isDir ? 0o755 : 0o644);
    if (isDir) for (const f of readdirSync(path)) makeWritable(join(path, f));
  };
  makeWritable(target);
  return target;
}

/** The project registry's types plus test_msgs (BasicTypes, Arrays, Constants, Defaults). */
export function testMsgsRegistry(): MessageRegistry {
  const registry = new MessageRegistry();
  for (const type of messageRegistry().types()) registry.addDefinition(messageRegistry().get(type));
  registry.addPackageFolder("test_msgs", projectPath("test", "fixtures", "msgs", "test_msgs"));
  return registry;
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
