/**
 * Module-level state outside src/host/ that tools/lint/module-state.ts lets through, each with the
 * reason it cannot leak between runs or nodes. Add an entry only with such a reason; what nodes of
 * one run share belongs in a per-run service (`NodeHandle.service`, src/host/run-services.ts).
 * Constant lookup tables need no entry: declare them `ReadonlySet<...>` / `ReadonlyMap<...>`.
 */

/** One allowed top-level declaration. */
export interface AllowedModuleState {
  /** Path from the repository root ("src/msgs/codec.ts"). */
  file: string;
  /** The declared name. */
  name: string;
  /** Why it is safe to share across the process (said in the lint output's terms: what it holds, why no run can see another's). */
  reason: string;
}

/** Lazy loads of a module or a resource that is the same for the whole process. */
const LAZY_LOADS: AllowedModuleState[] = [
  {
    file: "src/bag/bag-writer.ts",
    name: "zstdModule",
    reason: "lazy import of the zstd wasm module: the same module for every run",
  },
  {
    file: "src/bag/decompress.ts",
    name: "handlers",
    reason: "lazy import of the MCAP decompression handlers: stateless functions",
  },
  {
    file: "src/image/compressed-image.ts",
    name: "sharpModule",
    reason: "lazy import of sharp: the same module for every run",
  },
  {
    file: "src/image/mats.ts",
    name: "cvPromise",
    reason: "lazy load of opencv-wasm: one wasm instance per process by nature",
  },
  {
    file: "src/image/mats.ts",
    name: "cvLoaded",
    reason: "the loaded opencv-wasm instance (see cvPromise)",
  },
  {
    file: "src/models/ort-thread-launcher.ts",
    name: "launcher",
    reason:
      "the thread that starts onnxruntime session threads: onnxruntime sets flush-to-zero once per process, on its first session's thread; it holds only the threads it started, no run's or node's data",
  },
  {
    file: "src/core/paths.ts",
    name: "cachedRoot",
    reason: "the repository root, found once: the same for the whole process",
  },
];

/** Memos of data derived only from their (immutable) key: a run can read another's entry, and it is the same value it would compute. */
const MEMOS: AllowedModuleState[] = [
  {
    file: "src/msgs/codec.ts",
    name: "codecs",
    reason: "CDR codec per message type, built from the registry's fixed definitions",
  },
  {
    file: "src/msgs/registry.ts",
    name: "defaultRegistry",
    reason: "the message registry read from the .msg files once",
  },
  {
    file: "src/msgs/registry.ts",
    name: "msgdefsDir",
    reason: "folder of the Jazzy .msg files in node_modules, found once",
  },
  {
    file: "src/map/loader.ts",
    name: "validator",
    reason: "the HD-map JSON Schema validator, compiled once",
  },
  {
    file: "src/ros/parameters/parameter-store.ts",
    name: "compiled",
    reason: "compiled validator per parameter-schema object (weak: goes with the schema)",
  },
  {
    file: "src/nodes/index.ts",
    name: "cache",
    reason: "node definition per node type (its schema and factory): no run state",
  },
  {
    file: "src/models/decoders/registry.ts",
    name: "BY_TYPE",
    reason: "the decoder families by type, built once from a constant list and never changed",
  },
  {
    file: "src/viz/debug-image.ts",
    name: "atlases",
    reason: "glyph atlas per font size, rasterised once: the same pixels for every run",
  },
  {
    file: "src/fusion/ego-lane.ts",
    name: "laneGeometry",
    reason: "arc lengths and bounds per map lane object (weak: goes with the map)",
  },
  {
    file: "src/perception/bev/bev-grid.ts",
    name: "cache",
    reason: "BEV lookups per CameraGeometry object (weak: goes with the geometry)",
  },
  {
    file: "src/perception/bev/mask-to-bev.ts",
    name: "maskIndexCache",
    reason: "mask index per BEV lookup object (weak: goes with the lookup)",
  },
];

/**
 * Scratch buffers grown on demand, filled and read within one synchronous call (the files hold no
 * `await`), so no two calls, and no two runs, interleave on them in the one JavaScript thread.
 */
const SCRATCH: AllowedModuleState[] = [
  {
    file: "src/perception/bev/bev-components.ts",
    name: "rowScratch",
    reason: "scratch rows of one synchronous labelling call",
  },
  {
    file: "src/perception/lanes/classical-markings.ts",
    name: "prefix",
    reason: "prefix sums of one synchronous call",
  },
  {
    file: "src/perception/lanes/line-colour.ts",
    name: "paintScratch",
    reason: "scratch samples of one synchronous call",
  },
  {
    file: "src/perception/lanes/paint-or-edge.ts",
    name: "greySum",
    reason: "prefix sums of one synchronous call",
  },
  {
    file: "src/perception/lanes/paint-or-edge.ts",
    name: "yellowSum",
    reason: "prefix sums of one synchronous call",
  },
  {
    file: "src/perception/lanes/paint-profile.ts",
    name: "measuredScratch",
    reason: "scratch profile of one synchronous call",
  },
  {
    file: "src/perception/lanes/polyfit.ts",
    name: "copied",
    reason: "scratch copy of the fit samples of one synchronous call",
  },
];

/** Process-wide on purpose: what they describe is the process's, not a run's. */
const PROCESS_WIDE: AllowedModuleState[] = [
  {
    file: "src/image/mats.ts",
    name: "liveTracked",
    reason:
      "Mats alive on the process's one opencv-wasm heap (a leak check), which every run shares",
  },
  {
    file: "src/models/inference-timeline.ts",
    name: "recording",
    reason:
      "benchmark instrumentation: onnxruntime runs of every session in the process while a bench records (undefined otherwise)",
  },
  {
    file: "src/ros/parameters/parameter-file.ts",
    name: "warnedEmpty",
    reason:
      "warn-once per empty parameter file path in the process: a second run does not repeat the warning (log only)",
  },
];

export const MODULE_STATE_ALLOWED: readonly AllowedModuleState[] = [
  ...LAZY_LOADS,
  ...MEMOS,
  ...SCRATCH,
  ...PROCESS_WIDE,
];
