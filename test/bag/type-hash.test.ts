import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/bag/metadata.js";
import { typeDescriptionHash } from "../../src/bag/type-hash.js";
import { projectPath } from "../../src/core/paths.js";
import { MessageRegistry, declaredOctetFields, messageRegistry } from "../../src/msgs/registry.js";
import { rosbag2Dir, sharedBag } from "./fixtures.js";

/**
 * RIHS01 hashes of ROS 2 Jazzy's own types, as Jazzy's rosidl generates them (the values its
 * rosbag2 writes into metadata.yaml and MCAP channels, and its DDS type names carry). The camera
 * drive types, rcl_interfaces/ParameterEvent and rcl_interfaces/Log are also checked straight from
 * the Jazzy-recorded bags in ../shared when present (ParameterEvent holds a `byte[]` field).
 */
const JAZZY_HASHES: Record<string, string> = {
  "builtin_interfaces/msg/Time":
    "RIHS01_b106235e25a4c5ed35098aa0a61a3ee9c9b18d197f398b0e4206cea9acf9c197",
  "builtin_interfaces/msg/Duration":
    "RIHS01_e8d009f659816f758b75334ee1a9ca5b5c0b859843261f14c7f937349599d93b",
  "std_msgs/msg/Header": "RIHS01_f49fb3ae2cf070f793645ff749683ac6b06203e41c891e17701b1cb597ce6a01",
  "std_msgs/msg/Float32": "RIHS01_7170d3d8f841f7be3172ce5f4f59f3a4d7f63b0447e8b33327601ad64d83d6e2",
  "std_msgs/msg/String": "RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18",
  "diagnostic_msgs/msg/KeyValue":
    "RIHS01_d68081eaa540288c5440753baecef0c4e16e81a5f78ad68902ded5100413bb42",
  "diagnostic_msgs/msg/DiagnosticStatus":
    "RIHS01_b0e3e692ea2d54a8af2f4ef1930e81556a2db55216b771f8a7d2724ed47bf0e4",
  "diagnostic_msgs/msg/DiagnosticArray":
    "RIHS01_5a8a36efb05fb25070fa0fb3810290c0e6cd4862b54a8fb975a1ee8dc55a333e",
  "geometry_msgs/msg/PoseStamped":
    "RIHS01_10f3786d7d40fd2b54367835614bff85d4ad3b5dab62bf8bca0cc232d73b4cd8",
  "geometry_msgs/msg/TransformStamped":
    "RIHS01_0a241f87d04668d94099cbb5ba11691d5ad32c2f29682e4eb5653424bd275206",
  "nav_msgs/msg/Odometry":
    "RIHS01_3cc97dc7fb7502f8714462c526d369e35b603cfc34d946e3f2eda2766dfec6e0",
  "sensor_msgs/msg/Image":
    "RIHS01_d31d41a9a4c4bc8eae9be757b0beed306564f7526c88ea6a4588fb9582527d47",
  "sensor_msgs/msg/CompressedImage":
    "RIHS01_15640771531571185e2efc8a100baf923961a4d15d5569652e6cb6691e8e371a",
  "sensor_msgs/msg/CameraInfo":
    "RIHS01_b3dfd68ff46c9d56c80fd3bd4ed22c7a4ddce8c8348f2f59c299e73118e7e275",
  "tf2_msgs/msg/TFMessage":
    "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087",
  "visualization_msgs/msg/MarkerArray":
    "RIHS01_86cb8800b6fb05b5eff1abd7a56f62a5641d3ae9a1c29e78e67e704f1d067dcf",
  "rosgraph_msgs/msg/Clock":
    "RIHS01_692f7a66e93a3c83e71765d033b60349ba68023a8c689a79e48078bcb5c58564",
  "rcl_interfaces/msg/ParameterValue":
    "RIHS01_115fc089a387e23c7ecd3525c9189c379109119d6ab82e8dfbde0fdf6a7f9b68",
  "rcl_interfaces/msg/ParameterEvent":
    "RIHS01_043e627780fcad87a22d225bc2a037361dba713fca6a6b9f4b869a5aa0393204",
  "rcl_interfaces/msg/Log":
    "RIHS01_e28ce254ca8abc06abf92773b74602cdbf116ed34fbaf294fb9f81da9f318eac",
};

/** Packages that are not part of Jazzy's core set: their hashes come from the project's own definitions. */
const NOT_IN_JAZZY_CORE = new Set(["edge_perception_msgs", "vision_msgs"]);

/** Every message type a node publishes or subscribes to (replay records inputs too), read from the sources. */
function typesTheProjectWrites(): string[] {
  const types = new Set<string>(["tf2_msgs/msg/TFMessage", "sensor_msgs/msg/CameraInfo"]); // replay's passthrough
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (entry.endsWith(".ts")) {
        for (const m of readFileSync(path, "utf8").matchAll(
          /create(?:Publisher|Subscription)\(\s*"([a-z0-9_]+\/msg\/[A-Za-z0-9]+)"/g,
        ))
          types.add(m[1]!);
      }
    }
  };
  visit(projectPath("src"));
  return [...types].sort();
}

describe.skipIf(!rosbag2Dir)("REP-2011 type hashes against Jazzy-recorded bags", () => {
  const bagsWithHashes = [
    sharedBag("camera_drive_mcap", "metadata.yaml"),
    ...(rosbag2Dir
      ? readdirSync(sharedBag("rosbag2_cpp_bags"))
          .filter((f) => f.endsWith(".db3"))
          .map((f) => sharedBag("rosbag2_cpp_bags", f))
      : []),
  ];

  it("match the hashes Jazzy's rosbag2 recorded for every camera drive type", () => {
    const metadata = parseMetadata(
      readFileSync(sharedBag("camera_drive_mcap", "metadata.yaml"), "utf8"),
    );
    expect(metadata.topics.length).toBeGreaterThan(0);
    for (const topic of metadata.topics) {
      expect(topic.typeDescriptionHash).toMatch(/^RIHS01_[0-9a-f]{64}$/);
      expect(typeDescriptionHash(topic.type, messageRegistry()), topic.type).toBe(
        topic.typeDescriptionHash,
      );
      expect(JAZZY_HASHES[topic.type], topic.type).toBe(topic.typeDescriptionHash);
    }
  });

  it("match ParameterEvent (byte[] field) and Log as Jazzy recorded them in rosbag2_cpp_bags", async () => {
    const Database = (await import("better-sqlite3")).default;
    expect(bagsWithHashes.length).toBeGreaterThan(1);
    const seen = new Map<string, string>();
    for (const file of bagsWithHashes.filter((f) => f.endsWith(".db3"))) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        for (const row of db
          .prepare("SELECT type, type_description_hash AS hash FROM topics")
          .all() as Array<{ type: string; hash: string }>)
          seen.set(row.type, row.hash);
      } finally {
        db.close();
      }
    }
    for (const type of ["rcl_interfaces/msg/ParameterEvent", "rcl_interfaces/msg/Log"]) {
      expect(seen.get(type), type).toMatch(/^RIHS01_/);
      expect(typeDescriptionHash(type, messageRegistry()), type).toBe(seen.get(type));
      expect(JAZZY_HASHES[type]).toBe(seen.get(type));
    }
  });
});

describe("REP-2011 type hashes of every type the project writes", () => {
  const written = typesTheProjectWrites();

  it("finds the project's publishers and subscriptions in the sources", () => {
    expect(written).toEqual(
      expect.arrayContaining([
        "diagnostic_msgs/msg/DiagnosticArray",
        "edge_perception_msgs/msg/PerceptionFrame",
        "visualization_msgs/msg/MarkerArray",
        "std_msgs/msg/Float32",
      ]),
    );
  });

  it("equal Jazzy's own hash for every Jazzy type (and every type they reference)", () => {
    const registry = messageRegistry();
    const jazzyTypes = written.filter((t) => !NOT_IN_JAZZY_CORE.has(t.split("/")[0]!));
    for (const type of jazzyTypes)
      expect(JAZZY_HASHES[type], `no Jazzy hash on record for ${type}: add it`).toBeDefined();
    for (const [type, hash] of Object.entries(JAZZY_HASHES))
      expect(typeDescriptionHash(type, registry), type).toBe(hash);
  });

  it("are computable for the project's own and vision_msgs types", () => {
    const registry = messageRegistry();
    for (const type of written.filter((t) => NOT_IN_JAZZY_CORE.has(t.split("/")[0]!)))
      expect(typeDescriptionHash(type, registry), type).toMatch(/^RIHS01_[0-9a-f]{64}$/);
  });

  it("tell a `byte` field from a `uint8` one (DiagnosticStatus.level is byte in Jazzy)", () => {
    const registry = messageRegistry();
    expect([...registry.octetFields("diagnostic_msgs/msg/DiagnosticStatus")]).toEqual(["level"]);
    expect([...registry.octetFields("rcl_interfaces/msg/ParameterValue")]).toEqual([
      "byte_array_value",
    ]);
    const asByte = new MessageRegistry();
    const asUint8 = new MessageRegistry();
    asByte.addMsgText("a_msgs/msg/T", "byte OK=0 # constant, not a field\nbyte level\nchar c\n");
    asUint8.addMsgText("a_msgs/msg/T", "uint8 level\nchar c\n");
    expect(typeDescriptionHash("a_msgs/msg/T", asByte)).not.toBe(
      typeDescriptionHash("a_msgs/msg/T", asUint8),
    );
    expect([
      ...declaredOctetFields("byte[] data\nbyte[4] fixed # c\n  byte[<=3] bounded\nbyte X=1\n"),
    ]).toEqual(["data", "fixed", "bounded"]);
  });
});

describe("typeDescriptionHash", () => {
  it("differs between types and is empty for an unknown type", () => {
    const registry = messageRegistry();
    const a = typeDescriptionHash("geometry_msgs/msg/Point", registry);
    const b = typeDescriptionHash("geometry_msgs/msg/Vector3", registry);
    expect(a).toMatch(/^RIHS01_/);
    expect(a).not.toBe(b); // same fields, different names
    expect(typeDescriptionHash("nope_msgs/msg/Nothing", registry)).toBe("");
  });
});
