/**
 * ROS 2 name validation and topic resolution, as rcl does it: `~/x` is private to the node,
 * a relative name is put under the node's namespace, an absolute name is kept, and then the
 * launch remappings (whose keys are resolved the same way) replace the result.
 */
import { PerceptionError } from "../core/errors.js";

const TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a node name (`[A-Za-z_][A-Za-z0-9_]*`); throws a `ros` PerceptionError naming the problem. */
export function validateNodeName(name: string): void {
  if (!TOKEN.test(name)) {
    throw new PerceptionError(
      "ros",
      `invalid node name '${name}': use letters, digits and underscores, not starting with a digit`,
    );
  }
}

/** The canonical form of a namespace ("" and undefined become "/"); throws when it is invalid. */
export function normalizeNamespace(namespace: string | undefined): string {
  if (namespace === undefined || namespace === "" || namespace === "/") return "/";
  const ns = namespace.startsWith("/") ? namespace : `/${namespace}`;
  const tokens = ns.slice(1).split("/");
  if (tokens.some((t) => !TOKEN.test(t))) {
    throw new PerceptionError(
      "ros",
      `invalid namespace '${namespace}': expected /token/token with tokens of letters, digits and underscores, not starting with a digit`,
    );
  }
  return ns;
}

/** The fully qualified node name, e.g. "/perception/detector" or "/detector". */
export function fullNodeName(name: string, namespace: string | undefined): string {
  const ns = normalizeNamespace(namespace);
  return ns === "/" ? `/${name}` : `${ns}/${name}`;
}

/** Checks a fully resolved topic name; throws a `ros` PerceptionError naming the problem. */
export function validateResolvedTopic(topic: string): void {
  if (!topic.startsWith("/"))
    throw new PerceptionError("ros", `topic '${topic}' is not resolved: it must start with '/'`);
  if (topic === "/")
    throw new PerceptionError("ros", "topic name '/' is not valid: it names nothing");
  const tokens = topic.slice(1).split("/");
  const bad = tokens.find((t) => !TOKEN.test(t));
  if (bad !== undefined) {
    throw new PerceptionError(
      "ros",
      bad === ""
        ? `invalid topic name '${topic}': empty token (a '//' or a trailing '/')`
        : `invalid topic name '${topic}': token '${bad}' must be letters, digits and underscores, not starting with a digit`,
    );
  }
}

/** Expands `~/x`, `~`, relative and absolute names for one node (no remapping). */
export function expandTopicName(
  name: string,
  nodeName: string,
  namespace: string | undefined,
): string {
  const ns = normalizeNamespace(namespace);
  let expanded: string;
  if (name === "~") expanded = fullNodeName(nodeName, ns);
  else if (name.startsWith("~/")) expanded = `${fullNodeName(nodeName, ns)}/${name.slice(2)}`;
  else if (name.startsWith("~"))
    throw new PerceptionError("ros", `invalid topic name '${name}': '~' must be followed by '/'`);
  else if (name.startsWith("/")) expanded = name;
  else expanded = ns === "/" ? `/${name}` : `${ns}/${name}`;
  if (name.includes("{") || name.includes("}")) {
    throw new PerceptionError(
      "ros",
      `invalid topic name '${name}': substitutions ({node}, {ns}) are not supported`,
    );
  }
  validateResolvedTopic(expanded);
  return expanded;
}

/** What a node's names are resolved against. */
export interface NameContext {
  /** Node name without namespace. */
  nodeName: string;
  /** Node namespace ("/" for none). */
  namespace?: string;
  /** Remappings: keys and values may be `~/x`, relative or absolute; both are expanded for this node. */
  remappings?: Record<string, string>;
}

/** A topic resolver for one node: expansion, then the first remapping whose expanded key matches. */
export function topicResolver(context: NameContext): (name: string) => string {
  const { nodeName, namespace } = context;
  validateNodeName(nodeName);
  const rules = new Map<string, string>();
  for (const [from, to] of Object.entries(context.remappings ?? {})) {
    const key = expandTopicName(from, nodeName, namespace);
    if (!rules.has(key)) rules.set(key, expandTopicName(to, nodeName, namespace));
  }
  return (name: string) => {
    const expanded = expandTopicName(name, nodeName, namespace);
    return rules.get(expanded) ?? expanded;
  };
}
