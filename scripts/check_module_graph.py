#!/usr/bin/env python3
"""Checks that the module graph is the one docs/ARCHITECTURE.md draws.

Reads every `import` in Sources/ and the target dependencies in Package.swift, and fails, naming the
file, when an arrow appears that the rule below does not allow, or when a target imports a module it
does not declare (or declares one it never imports).

usage: scripts/check_module_graph.py [PACKAGE_ROOT]      (default: the folder above this script)
exit status: 0 when the graph holds, 1 when it does not (each broken arrow on its own line), 2 on bad input.
"""
import os
import re
import sys

# The rule: what each target may use. Project modules first, then the packages' products.
#  - The two ends (server and client) meet only in ChatProtocol, which uses no project module.
#  - ChatStore keeps the history behind an interface the server depends on, below the protocol: it knows
#    rows of messages, not the wire.
#  - Everything below the protocol that several ends share lives in ChatSystem (threads, clocks, the lock,
#    sockets, wake-ups, errno errors, the open-file limit), over the C shims.
#  - ChatPassword hashes passwords (over CArgon2) for the server and its `accounts` subcommands; nothing
#    else touches libargon2.
#  - ChatTLS (over COpenSSL) is TLS for server, client and bench alike; nothing else touches OpenSSL.
#  - Only ChatTUI touches CNcursesw; the TUI talks to the chat through ChatClient alone.
#  - The executables use the libraries; `chatroom` alone embeds ChatServer (the one-command start).
ALLOWED = {
    "ChatProtocol": set(),
    "CSystemShims": set(),
    "CNcursesw": set(),
    "ChatSystem": {"CSystemShims"},
    "CSQLite": set(),
    "ChatStore": {"CSQLite", "ChatSystem"},
    "CArgon2": set(),
    "ChatPassword": {"CArgon2", "ChatSystem"},
    "COpenSSL": set(),
    "ChatTLS": {"COpenSSL"},
    "ChatServer": {"ChatProtocol", "ChatPassword", "ChatStore", "ChatSystem", "ChatTLS", "CSystemShims", "Logging"},
    "chatroom-server": {
        "ChatServer", "ChatPassword", "ChatStore", "ChatSystem", "ChatTLS", "ArgumentParser", "Logging"},
    "ChatClient": {"ChatProtocol", "ChatSystem", "ChatTLS"},
    "ChatTUI": {"ChatClient", "ChatSystem", "CNcursesw"},
    "chatroom": {"ChatClient", "ChatTUI", "ChatServer", "ChatStore", "ChatSystem", "Logging"},
    "ChatBench": {"ChatProtocol", "ChatSystem", "ChatTLS", "CSystemShims", "Histogram"},
    "chatroom-bench": {"ChatBench", "ChatSystem", "ArgumentParser"},
}

# Modules of the toolchain and the system, which any target may import.
SYSTEM = {"Glibc", "Darwin", "Foundation", "FoundationEssentials", "Synchronization", "Dispatch", "Testing",
          "XCTest", "_Concurrency", "Swift"}

TARGET_CALL = re.compile(r"\.(target|executableTarget|systemLibrary|testTarget)\s*\(")


def calls(package):
    """Yields (kind, text) for each target declaration, its balanced parentheses included."""
    for match in TARGET_CALL.finditer(package):
        depth, index = 0, match.end() - 1
        for index in range(match.end() - 1, len(package)):
            if package[index] == "(":
                depth += 1
            elif package[index] == ")":
                depth -= 1
                if depth == 0:
                    break
        yield match.group(1), package[match.end():index], package.count("\n", 0, match.start()) + 1


def read_targets(root):
    """Target name -> (kind, declared dependencies, line in Package.swift, source folder)."""
    with open(os.path.join(root, "Package.swift"), encoding="utf-8") as file:
        package = file.read()
    targets = {}
    for kind, text, line in calls(package):
        name = re.search(r'name:\s*"([^"]+)"', text)
        if not name:
            continue
        dependencies = set()
        listed = re.search(r"dependencies:\s*\[(.*?)\]\s*(?:,|$)", text, re.S)
        if listed:
            body = listed.group(1)
            for product in re.finditer(r'\.product\(\s*name:\s*"([^"]+)"', body):
                dependencies.add(product.group(1))
            body = re.sub(r"\.product\([^)]*\)", "", body)
            dependencies.update(re.findall(r'"([^"]+)"', body))
        path = re.search(r'path:\s*"([^"]+)"', text)
        default = ("Tests/" if kind == "testTarget" else "Sources/") + name.group(1)
        targets[name.group(1)] = (kind, dependencies, line, path.group(1) if path else default)
    return targets


def imports(folder):
    """(file, line number, module) for every import under folder."""
    found = []
    for directory, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as file:
                for number, line in enumerate(file, 1):
                    match = re.match(r"\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|func|var|let)\s+)?(\w+)", line)
                    if match:
                        found.append((path, number, match.group(1)))
    return sorted(found)


def check(root):
    targets = read_targets(root)
    problems = []
    checked = 0
    for name, (kind, dependencies, line, path) in sorted(targets.items()):
        if kind == "testTarget" or not path.startswith("Sources/") and kind != "systemLibrary":
            continue
        if name not in ALLOWED:
            problems.append(f"Package.swift:{line}: target {name} is not in the module graph rule "
                            "(scripts/check_module_graph.py, docs/ARCHITECTURE.md): place it there first")
            continue
        allowed = ALLOWED[name]
        for dependency in sorted(dependencies - allowed):
            problems.append(f"Package.swift:{line}: {name} -> {dependency} is not an arrow of the module graph")
        used = set()
        for file, number, module in imports(os.path.join(root, path)):
            checked += 1
            relative = os.path.relpath(file, root)
            if module in SYSTEM:
                continue
            used.add(module)
            if module not in allowed:
                problems.append(f"{relative}:{number}: {name} -> {module} is not an arrow of the module graph")
            elif module not in dependencies:
                problems.append(f"{relative}:{number}: {name} imports {module} but Package.swift does not "
                                "list it among its dependencies")
        if kind != "systemLibrary" and name != "CSystemShims":
            for dependency in sorted(dependencies - used):
                problems.append(f"Package.swift:{line}: {name} lists {dependency} but no file of it imports it")
    for name in sorted(set(ALLOWED) - set(targets)):
        problems.append(f"Package.swift: no target {name}, which the module graph rule names")
    return problems, checked


def main(arguments):
    root = arguments[1] if len(arguments) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    if not os.path.isfile(os.path.join(root, "Package.swift")):
        print(f"check_module_graph: no Package.swift in {root}", file=sys.stderr)
        return 2
    problems, checked = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"module graph: {len(problems)} arrow(s) break the rule (docs/ARCHITECTURE.md)")
        return 1
    print(f"module graph: ok ({checked} imports in Sources/ follow the rule)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
