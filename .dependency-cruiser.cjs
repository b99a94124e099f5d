// Dependency rules for the one downward stack (docs/ARCHITECTURE.md, "Layers and rules"):
//   cli → report → host → nodes → perception → {models, viz, fusion}
//     → {image, bag, map, localization, diagnostics} → {ros, geometry} → msgs → core
// A folder may import its own layer and any layer below it, never one above. `npm run lint` runs this.
/** Layers, top first; folders on one line share a layer. */
const LAYERS = [
  ["cli"],
  ["report"],
  ["host"],
  ["nodes"],
  ["perception"],
  ["models", "viz", "fusion"],
  ["image", "bag", "map", "localization", "diagnostics"],
  ["ros", "geometry"],
  ["msgs"],
  ["core"],
];
const src = (folders) => `^src/(${folders.join("|")})/`;

const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-from-${layer.join("-")}`,
  comment: `${layer.join(", ")} must not import a layer above it (${LAYERS.slice(0, i + 1).flat().join(", ")})`,
  severity: "error",
  from: { path: src(layer) },
  to: { path: src(LAYERS.slice(0, i + 1).flat()) },
}));

/** Folders that must stay free of the ROS port, the runtime, the nodes, the bag format and tools. */
// viz/ and models/ sit above bag/ in the stack (figures and calibration frames read bags), so they are not listed.
const CORE = ["core", "msgs", "geometry", "image", "map", "localization", "diagnostics", "fusion", "perception"];

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "core-stays-core",
      comment: "core folders never import ros/, host/, nodes/, bag/ or tools",
      severity: "error",
      from: { path: src(CORE) },
      to: { path: ["^src/(ros|host|nodes|bag)/", "^tools/", "^scripts/", "^bench/", "^test/"] },
    },
    ...[["bag", "ros"], ["ros", "bag"]].map(([from, to]) => ({
      name: `${from}-not-${to}`,
      comment: "the bag format and the node API port never import each other",
      severity: "error",
      from: { path: `^src/${from}/` },
      to: { path: `^src/${to}/` },
    })),
    {
      name: "nodes-not-host-or-bag",
      comment: "nodes are written against ros/ only: never host/ or bag/",
      severity: "error",
      from: { path: "^src/nodes/" },
      to: { path: "^src/(host|bag)/" },
    },
    {
      name: "bev-below-detectors",
      comment: "perception/bev/ is shared by lanes and crosswalks and imports neither",
      severity: "error",
      from: { path: "^src/perception/bev/" },
      to: { path: "^src/perception/(lanes|crosswalks|pedestrians)/" },
    },
    {
      name: "product-not-tools",
      comment:
        "product code (src/) never imports the scenario generator or other tools; the one allowed " +
        "exception is the `generate` CLI command, which is the generator's user interface",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli/commands/generate\\.ts$" },
      to: { path: "^(tools|scripts|bench|test)/" },
    },
    {
      name: "no-circular",
      comment: "no import cycles, type-only imports included",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".mjs", ".json"] },
  },
};
