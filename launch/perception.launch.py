"""Starts the edge-perception graph: `ros2 launch edge_perception perception.launch.py [name:=value ...]`.

The graph is described once, in perception.graph.yaml beside this file (installed to
share/edge_perception/launch/). This file reads it at launch time and starts one process per
process group (mode:=one_process: a single process holding every node, sharing decoded frames;
mode:=multi_process: one per group). Each process runs the Node app's `launch` entry:
`lib/edge_perception/edge_perception launch --graph <graph> --process <group> name:=value ...`.

Arguments (see perception.graph.yaml): camera_topic, camera_info_topic, image_transport,
pose_topic, map_file, model_dir, mode, use_sim_time.

`python3 perception.launch.py --describe [name:=value ...]` prints the processes as JSON without
ROS 2 (test/host/graph.test.ts compares it with src/host/graph.ts).
"""
import json
import os
import re
import sys

import yaml

GRAPH_FILE = "perception.graph.yaml"
PACKAGE = "edge_perception"
SUBSTITUTION = re.compile(r"\$\(var ([A-Za-z_][A-Za-z0-9_]*)\)")


def load_graph(path):
    with open(path, "r", encoding="utf-8") as f:
        graph = yaml.safe_load(f)
    if not isinstance(graph, dict) or graph.get("version") != 1:
        raise RuntimeError(f"{path}: not a version 1 launch graph")
    return graph


def resolve_arguments(graph, given):
    values = {a["name"]: str(a["default"]) for a in graph["arguments"]}
    for name, value in given.items():
        arg = next((a for a in graph["arguments"] if a["name"] == name), None)
        if arg is None:
            raise RuntimeError(f"unknown launch argument '{name}' (known: {', '.join(values)})")
        choices = [str(c) for c in arg.get("choices", [])]
        if choices and value not in choices:
            raise RuntimeError(f"launch argument {name}:={value} is not one of {', '.join(choices)}")
        values[name] = value
    return values


def process_groups(graph, values):
    """Process group -> node names, in graph order."""
    groups = {}
    for node in graph["nodes"]:
        group = graph.get("one_process_group", "perception") if values["mode"] == "one_process" else node["process_group"]
        groups.setdefault(group, []).append(node["name"])
    return groups


def process_command_args(graph, graph_path, group, values):
    return ["launch", "--graph", graph_path, "--process", group] + [
        f"{a['name']}:={values[a['name']]}" for a in graph["arguments"]
    ]


def describe(graph_path, given):
    graph = load_graph(graph_path)
    values = resolve_arguments(graph, given)
    return [
        {"group": group, "nodes": nodes, "args": process_command_args(graph, graph_path, group, values)}
        for group, nodes in process_groups(graph, values).items()
    ]


def _launch_setup(context, graph_path, launcher):
    from launch.actions import ExecuteProcess

    graph = load_graph(graph_path)
    given = {a["name"]: context.launch_configurations[a["name"]] for a in graph["arguments"] if a["name"] in context.launch_configurations}
    values = resolve_arguments(graph, given)
    # The app sets CYCLONEDDS_URI itself (launch/cyclonedds.xml, merged with the user's when set),
    # and passes only --ros-args to rcl: the name:=value arguments below are the app's own.
    return [
        ExecuteProcess(
            cmd=[launcher] + process_command_args(graph, graph_path, group, values),
            name=f"edge_perception_{group}",
            output="screen",
            sigterm_timeout="5",
        )
        for group in process_groups(graph, values)
    ]


def generate_launch_description():
    from ament_index_python.packages import get_package_prefix, get_package_share_directory
    from launch import LaunchDescription
    from launch.actions import DeclareLaunchArgument, OpaqueFunction

    share = get_package_share_directory(PACKAGE)
    graph_path = os.path.join(share, "launch", GRAPH_FILE)
    launcher = os.path.join(get_package_prefix(PACKAGE), "lib", PACKAGE, PACKAGE)
    graph = load_graph(graph_path)
    declared = [
        DeclareLaunchArgument(
            a["name"],
            default_value=str(a["default"]),
            description=a.get("description", ""),
            **({"choices": [str(c) for c in a["choices"]]} if a.get("choices") else {}),
        )
        for a in graph["arguments"]
    ]
    return LaunchDescription(
        declared + [OpaqueFunction(function=_launch_setup, args=[graph_path, launcher])]
    )


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "--describe":
        print("usage: perception.launch.py --describe [name:=value ...] (or ros2 launch edge_perception perception.launch.py)")
        sys.exit(2)
    given = dict(arg.split(":=", 1) for arg in sys.argv[2:])
    here = os.path.dirname(os.path.abspath(__file__))
    print(json.dumps(describe(os.path.join(here, GRAPH_FILE), given)))
