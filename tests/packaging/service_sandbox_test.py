#!/usr/bin/env python3
"""exidx serve, traced with strace, stays inside the sandbox of packaging/exidx.service.

The machine that builds exidx need not run systemd, so the unit's seccomp and
memory rules are checked against what the binary does instead: exidx serve on
the embedded store (RocksDB) with jemalloc, configured as the unit configures
it, starts, takes events, answers the list, the statistics, /metrics and an
SSE stream, runs a retention sweep and stops on SIGTERM, under strace -f.
Then, with the rules read from the unit file itself:

- SystemCallFilter: every system call made is in the allowed sets (expanded
  by systemd-analyze syscall-filter) and in none of the refused ones, so no
  call of the service would fail with EPERM;
- RestrictAddressFamilies: every socket is of a listed family;
- MemoryDenyWriteExecute: no mapping is made writable and executable, and no
  mapping is made executable by mprotect;
- ProtectSystem=strict: every file opened for writing, created, renamed or
  removed is below the store (StateDirectory) or /tmp (PrivateTmp), but for
  the threads' names in /proc/self/task/*/comm.

Usage: service_sandbox_test.py --exidx BIN --unit packaging/exidx.service
Exit 0 when the trace stays inside, 1 otherwise, 2 on bad usage.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

CALL = re.compile(r"^\d+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()")


def unit_settings(unit):
    """{key: [values]} of the unit's [Service] section, in order."""
    settings = {}
    section = None
    for line in unit.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def expand(name, seen=None):
    """The system calls a filter name stands for (@groups expanded recursively)."""
    if not name.startswith("@"):
        return {name}
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True)
    calls = set()
    for line in out.stdout.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            calls |= expand(line, seen)
    return calls


def syscall_policy(settings):
    allowed, refused = set(), set()
    for value in settings.get("SystemCallFilter", []):
        target = allowed
        if value.startswith("~"):
            target, value = refused, value[1:]
        for name in value.split():
            target |= expand(name)
    return allowed, refused


def serve(exidx, store, trace, events):
    env = {**os.environ, "EXIDX_STORE": str(store), "EXIDX_LISTEN": "127.0.0.1:0", "EXIDX_INDEX_ALL": "true",
           "EXIDX_RETENTION_DAYS": "3650", "EXIDX_RETENTION_SWEEP_SECONDS": "1", "EXIDX_HEARTBEAT_MS": "200"}
    process = subprocess.Popen(["strace", "-f", "-qq", "-s", "256", "-o", str(trace), exidx, "serve"], env=env,
                               stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.monotonic() + 60
    log = []
    ready = False  # It listens before its store is open, and logs "ready" once it is.
    while not ready and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        log.append(line)
        if "listening" in line:
            found = re.search(r"127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        ready = port is not None and '"msg":"ready"' in line
    if port is None or not ready:
        process.kill()
        raise SystemExit(f"exidx serve did not say where it listens:\n{''.join(log)}")
    base = f"http://127.0.0.1:{port}"

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read()

    stream = urllib.request.urlopen(base + "/v1/executions/stream", timeout=30)
    request = urllib.request.Request(base + "/v1/events", data=events.encode(), method="POST",
                                     headers={"Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    first_event = stream.readline()
    while first_event and not first_event.startswith(b"event: execution"):
        first_event = stream.readline()
    stream.close()
    statuses = [get(path)[0] for path in ("/healthz", "/readyz", "/v1/executions?maxResults=5",
                                          "/v1/executions/stats", "/v1/agents", "/metrics", "/")]
    time.sleep(1.5)  # a retention sweep
    # SIGTERM to exidx itself (strace's child): as systemd stops the service.
    children = pathlib.Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    if len(children) != 1:
        process.kill()
        raise SystemExit(f"strace has children {children}, not exidx alone")
    os.kill(int(children[0]), signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit("exidx serve did not stop on SIGTERM")
    return answer, first_event, statuses, process.returncode


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exidx", required=True)
    parser.add_argument("--unit", required=True, type=pathlib.Path)
    args = parser.parse_args(argv[1:])
    for tool in ("strace", "systemd-analyze"):
        if shutil.which(tool) is None:
            print(f"service_sandbox_test: {tool} is missing (scripts/install-deps.sh)", file=sys.stderr)
            return 1
    settings = unit_settings(args.unit)
    allowed, refused = syscall_policy(settings)
    families = set(" ".join(settings.get("RestrictAddressFamilies", [])).split())
    failures = []
    if not allowed or not families or settings.get("MemoryDenyWriteExecute") != ["yes"] \
            or settings.get("ProtectSystem") != ["strict"]:
        failures.append("the unit lacks SystemCallFilter, RestrictAddressFamilies, MemoryDenyWriteExecute=yes "
                        "or ProtectSystem=strict")
    with tempfile.TemporaryDirectory(prefix="exidx-sandbox-") as tmp:
        tmp = pathlib.Path(tmp)
        store = tmp / "state" / "store"
        store.parent.mkdir()
        events_file = tmp / "events.ndjson"
        subprocess.run([args.exidx, "simulate", "--executions", "200", "--output", events_file], check=True,
                       capture_output=True)
        trace = tmp / "trace"
        answer, first_event, statuses, code = serve(args.exidx, store, trace, events_file.read_text())
        print(f"ingested {answer}; statuses {statuses}; exit {code}")
        if answer.get("indexed", 0) == 0 or not first_event or any(s != 200 for s in statuses) or code != 0:
            failures.append(f"the workload did not run: {answer}, {first_event!r}, {statuses}, exit {code}")
        lines = trace.read_text(errors="replace").splitlines()
        used = set()
        for line in lines:
            match = CALL.match(line)
            if match:
                used.add(match.group(1) or match.group(2))
        print(f"{len(lines)} trace lines, {len(used)} distinct system calls")
        outside = sorted(used - allowed)
        if outside:
            failures.append(f"system calls outside SystemCallFilter's allowed sets: {outside}")
        if used & refused:
            failures.append(f"system calls the unit refuses: {sorted(used & refused)}")
        for line in lines:
            socket = re.search(r"\b(?:socket|socketpair)\((AF_\w+)", line)
            if socket and socket.group(1) not in families:
                failures.append(f"a socket of {socket.group(1)}, not in RestrictAddressFamilies: {line}")
            if re.search(r"\bmmap\(.*PROT_WRITE\|PROT_EXEC|\bmmap\(.*PROT_EXEC\|PROT_WRITE", line):
                failures.append(f"a writable and executable mapping: {line}")
            if re.search(r"\b(?:pkey_)?mprotect\(.*PROT_EXEC", line):
                failures.append(f"a mapping made executable: {line}")
            write = re.search(r'\b(?:openat|open|creat)\((?:AT_FDCWD, )?"([^"]*)", [^)]*(O_WRONLY|O_RDWR|O_CREAT)', line)
            changed = re.search(r'\b(?:mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|rmdir|link|symlink)\('
                                r'(?:AT_FDCWD, )?"([^"]*)"', line)
            for found in (write, changed):
                if found and not line.rstrip().endswith(("ENOENT (No such file or directory)",)):
                    path = found.group(1)
                    # /proc/self/task/*/comm: threads naming themselves (RocksDB's); ProtectSystem= leaves
                    # /proc to ProtectKernelTunables=, which guards /proc/sys and the like, not a task's name.
                    if not (path.startswith(str(store.parent)) or path.startswith("/tmp/") or path == "/dev/null"
                            or re.fullmatch(r"/proc/self/task/\d+/comm", path)):
                        failures.append(f"a write outside the state directory and /tmp: {line}")
    for failure in failures[:40]:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"service_sandbox_test: {len(used)} system calls, all in the unit's filter; sockets of "
          f"{sorted(families)} only; no W+X mapping; writes below the state directory only")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
