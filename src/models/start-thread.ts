/**
 * Starts a worker thread on a module of this project, from its compiled .js (dist/) or its .ts
 * source (tsx, vitest).
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * The worker module next to `base` (an `import.meta.url`): `<stem>.js` when `base` is compiled
 * JavaScript, `<stem>.ts` when it runs from sources.
 */
export function siblingModule(base: string, stem: string): URL {
  return new URL(base.endsWith(".ts") ? `./${stem}.ts` : `./${stem}.js`, base);
}

/**
 * Starts a worker on `module`. A .js module starts directly. A .ts one needs tsx's loader in the
 * thread, and on Node 20 a worker's entry module gets no loader hooks from `--import tsx`
 * (inherited or passed in `execArgv`: "Unknown file extension .ts"), so a one-line bootstrap
 * registers tsx in the thread and then imports the module. `options` (workerData, transferList)
 * reach the module either way.
 */
export function startThread(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith(".ts")) return new Worker(module, options);
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
