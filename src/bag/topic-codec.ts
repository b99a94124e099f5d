/**
 * Which definitions decode a topic: the schema the bag stores (MCAP schema record, sqlite3
 * `message_definitions`), else the project's message registry. Service event topics
 * (`pkg/srv/Name_Event`) store the `.srv` text (`request --- response`); the event message
 * (`service_msgs/ServiceEventInfo info`, `Request[<=1] request`, `Response[<=1] response`) is built
 * from it as rosidl generates it.
 */
import type { MessageDefinition } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { MessageCodec } from "../msgs/codec.js";
import type { MessageRegistry } from "../msgs/registry.js";

/** A schema as a storage file holds it. */
export interface StoredSchema {
  /** Schema encoding: `ros2msg` (also `ros2idl` exists; only `ros2msg` is decoded). */
  encoding: string;
  /** The definition text; may be empty (some writers store none). */
  text: string;
}

/** Where a topic's definitions came from. */
export type CodecSource = "bag" | "registry";

/** A codec plus what is needed to check that a message fits it. */
export interface TopicCodec {
  codec: MessageCodec;
  /** Computes the CDR size a decoded message re-encodes to (with the 4-byte header). */
  sizer: MessageWriter;
  source: CodecSource;
}

const RULE = "=".repeat(80);

/** service_msgs/msg/ServiceEventInfo as in ROS 2 Jazzy. */
const SERVICE_EVENT_INFO = [
  "uint8 REQUEST_SENT = 0",
  "uint8 REQUEST_RECEIVED = 1",
  "uint8 RESPONSE_SENT = 2",
  "uint8 RESPONSE_RECEIVED = 3",
  "uint8 event_type",
  "builtin_interfaces/Time stamp",
  "char[16] client_gid",
  "int64 sequence_number",
].join("\n");

/** The type name a codec is keyed on: `pkg/Type` (`pkg/msg/Type` and `pkg/srv/Type_Event` lose the middle part). */
function codecTypeName(type: string): string {
  const parts = type.split("/");
  if (parts.length === 3) return `${parts[0]}/${parts[2]}`;
  if (parts.length === 2) return type;
  throw new PerceptionError("schema", `not a ROS 2 type name: '${type}'`, { type });
}

/** True for service event types (`pkg/srv/Name_Event`). */
function isServiceEventType(type: string): boolean {
  const parts = type.split("/");
  return parts.length === 3 && parts[1] === "srv" && parts[2]!.endsWith("_Event");
}

/** The `.msg`-style schema text of a service event from the `.srv` text rosbag2 stores for it. */
function serviceEventSchemaText(type: string, srvText: string): string {
  const [pkg, , eventName] = type.split("/") as [string, string, string];
  const service = eventName.slice(0, -"_Event".length);
  const ruleAt = srvText.search(/^={10,}\s*$/m);
  const head = ruleAt >= 0 ? srvText.slice(0, ruleAt) : srvText;
  const dependencies = ruleAt >= 0 ? srvText.slice(ruleAt) : "";
  const split = head.split(/^---\s*$/m);
  if (split.length !== 2) {
    throw new PerceptionError(
      "schema",
      `the stored definition of service ${type} has no single '---' between request and response`,
      { type },
    );
  }
  const [request, response] = split as [string, string];
  return [
    `service_msgs/ServiceEventInfo info\n${pkg}/${service}_Request[<=1] request\n${pkg}/${service}_Response[<=1] response\n`,
    `${RULE}\nMSG: service_msgs/ServiceEventInfo\n${SERVICE_EVENT_INFO}\n`,
    `${RULE}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`,
    `${RULE}\nMSG: ${pkg}/${service}_Request\n${request.trim()}\n`,
    `${RULE}\nMSG: ${pkg}/${service}_Response\n${response.trim()}\n`,
    dependencies,
  ].join("");
}

function fromDefinitions(
  type: string,
  definitions: MessageDefinition[],
  source: CodecSource,
): TopicCodec {
  return {
    codec: new MessageCodec(codecTypeName(type), definitions),
    sizer: new MessageWriter(definitions),
    source,
  };
}

/**
 * The codec from a stored schema, or undefined when the bag stores none for the type (empty text).
 * Throws a `schema` PerceptionError when the text cannot be parsed or uses an encoding other than ros2msg.
 */
export function codecFromStoredSchema(type: string, stored: StoredSchema): TopicCodec | undefined {
  if (stored.text.trim() === "") return undefined;
  if (stored.encoding !== "ros2msg") {
    throw new PerceptionError(
      "schema",
      `schema encoding '${stored.encoding}' of ${type} is not supported (only ros2msg)`,
      { type },
    );
  }
  let text = stored.text;
  if (isServiceEventType(type)) text = serviceEventSchemaText(type, text);
  let definitions: MessageDefinition[];
  try {
    definitions = parse(text, { ros2: true });
  } catch (err) {
    throw new PerceptionError(
      "schema",
      `cannot parse the stored ros2msg schema of ${type}: ${errorMessage(err)}`,
      { type },
      { cause: err },
    );
  }
  try {
    return fromDefinitions(type, definitions, "bag");
  } catch (err) {
    throw new PerceptionError(
      "schema",
      `the stored schema of ${type} is incomplete: ${errorMessage(err)}`,
      { type },
      { cause: err },
    );
  }
}

/** The codec from the project's (or a test's) registry; throws a `schema` PerceptionError naming the type when it has none. */
export function codecFromRegistry(type: string, registry: MessageRegistry): TopicCodec {
  const name = codecTypeName(type);
  if (isServiceEventType(type) || !registry.has(name)) {
    throw new PerceptionError(
      "schema",
      `no definition for message type ${type}: the bag stores none and the message registry does not know it`,
      { type },
    );
  }
  return fromDefinitions(type, registry.definitionsFor(name), "registry");
}

/**
 * Whether the decoded `message` accounts for all of `data`. A decode that would run past the end
 * already throws; this catches the other misfit, a schema that leaves bytes unread (a wrong or
 * partial definition). The re-encoded size may exceed the stored one by a few bytes (the writer
 * aligns empty sequences, Fast CDR does not) and the stored one may carry up to 7 bytes of
 * trailing alignment padding, so only more than 7 unread bytes count as a misfit.
 */
export function messageFits(
  topicCodec: TopicCodec,
  message: unknown,
  data: Uint8Array,
): { fits: boolean; expected: number } {
  const expected = topicCodec.sizer.calculateByteSize(message);
  return { fits: data.byteLength - expected < 8, expected };
}
