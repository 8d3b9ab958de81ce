#!/usr/bin/env python3
"""The Debian package end to end, from an existing build directory (no second build).

1. cpack writes the .deb from the build's install rules into a temporary
   directory (installing what is built: packaging/CMakeLists.txt keeps cpack
   from building `all` first, so the test never starts a build);
2. its control data: name, version, Depends from dpkg-shlibdeps, conffiles,
   the maintainer scripts;
3. dpkg -i into a scratch root (--root, scripts without chroot: no privilege
   needed) whose dpkg database is a copy of this machine's, so that dpkg
   checks the package's Depends against what is installed here;
4. the installed files: binary, man pages, completion, unit, the env file as
   a 0640 root-owned conffile; the installed binary's --version;
5. the man pages and the bash completion against the installed binary's
   --help: every subcommand has a page naming each of its options, and the
   completion (run in bash) offers every subcommand and every option;
6. systemd-analyze verify on the installed unit, and its offline security
   review's exposure (the hardening in place);
7. dpkg --purge removes what it installed.

Usage: deb_package_test.py --build-dir DIR --version X.Y.Z [--cpack PATH]
Exit 0 when every check passes, 1 otherwise (each failure printed), 2 on bad usage.
"""
import argparse
import gzip
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "packaging"))
import cli_docs  # noqa: E402  (the help parser the build uses; the checks below do not rely on it alone)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def run(*args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    return subprocess.run([str(a) for a in args], **kwargs)


def must(result, what):
    if result.returncode != 0:
        print(f"{what} exited {result.returncode}\n{result.stdout}\n{result.stderr}", file=sys.stderr)
        sys.exit(1)
    return result


def build_package(cpack, build_dir, out_dir):
    config = out_dir / "CPackConfig.cmake"
    # The build's own configuration, writing into OUT_DIR. Its preinstall target builds
    # nothing (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY, packaging/CMakeLists.txt).
    config.write_text(f'include("{build_dir}/CPackConfig.cmake")\n'
                      f'set(CPACK_PACKAGE_DIRECTORY "{out_dir}")\n')
    started = time.monotonic()
    result = must(run(cpack, "--config", config, cwd=out_dir), "cpack")
    print(f"cpack: {time.monotonic() - started:.1f} s")
    debs = sorted(out_dir.glob("*.deb"))
    if not check(len(debs) == 1, f"cpack wrote {len(debs)} .deb files: {debs}"):
        sys.exit(1)
    print(f"package: {debs[0].name}, {debs[0].stat().st_size // 1024} KiB")
    return debs[0]


def check_control(deb, version, build_binary):
    field = lambda name: must(run("dpkg-deb", "--field", deb, name), "dpkg-deb --field").stdout.strip()
    check(field("Package") == "exidx", f"Package is {field('Package')!r}")
    check(field("Version") == f"{version}-1", f"Version is {field('Version')!r}, not {version}-1")
    depends = field("Depends")
    print(f"Depends: {depends}")
    # Every shared library the binary needs (its own NEEDED entries) comes from a package Depends names.
    names = {d.strip().split()[0] for d in depends.split(",")}
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                            must(run("readelf", "-d", build_binary), "readelf").stdout))
    check(len(needed) > 5, f"readelf found only {sorted(needed)} as NEEDED")
    for line in must(run("ldd", build_binary), "ldd").stdout.splitlines():
        match = re.match(r"\s*(\S+) => (/\S+)", line)
        if not match or match.group(1) not in needed:
            continue
        path = match.group(2)
        owner = run("dpkg", "-S", path)
        if owner.returncode != 0:  # known to dpkg by its other name across the /lib -> /usr/lib link
            owner = run("dpkg", "-S", pathlib.Path(path).resolve())
        package = owner.stdout.split(":")[0] if owner.returncode == 0 else None
        provides = run("dpkg-query", "-W", "-f=${Provides}", package).stdout if package else ""
        offered = {package} | {p.strip().split()[0] for p in provides.split(",") if p.strip()}
        check(offered & names, f"{path} (package {package}, providing {sorted(offered)}) is needed, but Depends "
              f"names none of them: {depends!r}")
    control = pathlib.Path(tempfile.mkdtemp(dir=deb.parent))
    must(run("dpkg-deb", "--control", deb, control), "dpkg-deb --control")
    check((control / "conffiles").read_text().split() == ["/etc/exidx/exidx.env"], "conffiles is not /etc/exidx/exidx.env")
    for script in ("postinst", "prerm", "postrm"):
        path = control / script
        check(path.exists() and os.access(path, os.X_OK), f"{script} missing or not executable")


def install(deb, root):
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True, exist_ok=True)
    # This machine's database: dpkg then checks Depends against what is installed here.
    shutil.copy("/var/lib/dpkg/status", admin / "status")
    (admin / "available").touch()
    must(run("dpkg", f"--root={root}", "--force-not-root", "--force-script-chrootless", "--log=/dev/null",
             "--no-triggers", "-i", deb), "dpkg -i")
    status = run("dpkg-query", f"--admindir={admin}", "-W", "-f=${Status} ${Version}", "exidx").stdout
    check(status.startswith("install ok installed"), f"dpkg-query says {status!r}")


def check_files(root, version):
    exidx = root / "usr/bin/exidx"
    check(exidx.is_file() and os.access(exidx, os.X_OK), "/usr/bin/exidx is not an executable file")
    check(b".debug_info" not in exidx.read_bytes(), "/usr/bin/exidx carries debug info (not stripped)")
    for path in ("usr/share/man/man1/exidx.1.gz", "usr/share/bash-completion/completions/exidx",
                 "usr/lib/systemd/system/exidx.service", "usr/share/doc/exidx/CHANGELOG.md",
                 "usr/share/doc/exidx/NOTICE"):
        check((root / path).is_file(), f"/{path} was not installed")
    copyright = root / "usr/share/doc/exidx/copyright"
    check(copyright.is_file() and "Apache License" in copyright.read_text(),
          "/usr/share/doc/exidx/copyright is not the Apache License")
    env = root / "etc/exidx/exidx.env"
    if check(env.is_file(), "/etc/exidx/exidx.env was not installed"):
        st = env.stat()
        check(st.st_mode & 0o777 == 0o640, f"/etc/exidx/exidx.env has mode {st.st_mode & 0o777:o}, not 640")
    listing = must(run("dpkg-deb", "--contents", next(root.parent.glob("out/*.deb"))), "dpkg-deb --contents").stdout
    check(re.search(r"^-rw-r----- root/root .* \./etc/exidx/exidx\.env$", listing, re.M),
          "exidx.env is not -rw-r----- root/root in the package")
    result = run(exidx, "--version")
    check(result.returncode == 0, f"exidx --version exited {result.returncode}")
    check(re.fullmatch(rf"exidx {re.escape(version)}( \(commit [0-9a-f]{{12}}\))?\n", result.stdout),
          f"exidx --version printed {result.stdout!r}, not exidx {version}")
    print(f"installed: {result.stdout.strip()}")
    return exidx


def help_of(exidx, path):
    return must(run(exidx, *path, "--help"), f"exidx {' '.join(path)} --help").stdout


def option_names(help_text):
    """Every option name in a help text: the words starting with '-' that begin an entry's line."""
    names = []
    for line in help_text.splitlines():
        match = re.match(r"^  (-[^\s(]*)", line)
        if match:
            names += match.group(1).split(",")
    return names


def check_docs(root, exidx):
    man_dir = root / "usr/share/man/man1"
    completion = root / "usr/share/bash-completion/completions/exidx"
    commands = list(cli_docs.walk(cli_docs.read_commands(exidx)))
    check(len(commands) > 10, f"only {len(commands)} commands read from --help")
    pages = {p.name for p in man_dir.glob("*.1.gz")}
    check(pages == {f"{c.page}.1.gz" for c in commands}, f"man pages {sorted(pages)} are not one per command")
    probes = []  # (words before the cursor, the word being completed, what must be offered)
    for command in commands:
        text = help_of(exidx, command.path)
        options = option_names(text)
        check(options, f"no options read from exidx {' '.join(command.path)} --help")
        page = man_dir / f"{command.page}.1.gz"
        if page.exists():
            rendered = run("man", "-l", "-Tutf8", page, env={**os.environ, "MANWIDTH": "200", "MAN_KEEP_FORMATTING": ""})
            check(rendered.returncode == 0, f"man -l {page.name} failed: {rendered.stderr}")
            plain = re.sub(r".\x08", "", rendered.stdout).replace("\u2010", "-").replace("\u2212", "-")
            for option in options:
                check(re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", plain),
                      f"{page.name} does not name {option}")
            if rendered.stderr.strip():
                check(False, f"man -l {page.name} warned: {rendered.stderr.strip()}")
        for option in options:
            probes.append((command.path, option[:2] if option.startswith("--") else "-", option))
        for name, _ in command.subcommands:
            probes.append((command.path, "", name))
            probes.append((command.path, name[:1], name))
    # One bash for every probe: COMP_WORDS as bash would split the line "exidx PATH... CUR".
    script = [f"source {completion}"]
    for index, (path, cur, _) in enumerate(probes):
        words = " ".join(["exidx", *path, f"'{cur}'"])
        script.append(f"COMP_WORDS=({words}); COMP_CWORD={len(path) + 1}; _exidx; "
                      f"printf '%s\\t%s\\n' {index} \"${{COMPREPLY[*]}}\"")
    result = must(run("bash", "--norc", "--noprofile", "-c", "\n".join(script)), "bash completion")
    offered = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    for index, (path, cur, expected) in enumerate(probes):
        words = offered.get(str(index), "").split()
        check(expected in words, f"completing 'exidx {' '.join(path)} {cur}' does not offer {expected} ({words[:8]}...)")
    print(f"completion: {len(probes)} subcommands and options offered, of {len(commands)} commands")


def check_unit(root):
    unit = root / "usr/lib/systemd/system/exidx.service"
    # The units exidx.service refers to (multi-user.target, network-online.target, ...) from
    # this machine's systemd, so that verify resolves them inside the scratch root.
    for host_unit in pathlib.Path("/lib/systemd/system").iterdir():
        target = unit.parent / host_unit.name
        if not target.exists() and not target.is_symlink():
            if host_unit.is_dir() and not host_unit.is_symlink():
                shutil.copytree(host_unit, target, symlinks=True)
            else:
                shutil.copy(host_unit, target, follow_symlinks=False)
    # Every warning counts (an unknown or misspelt setting is only a warning to systemd).
    result = run("systemd-analyze", "verify", f"--root={root}", "--man=no", "exidx.service")
    check(result.returncode == 0 and not result.stderr.strip(),
          f"systemd-analyze verify: exit {result.returncode}: {result.stderr.strip()}")
    result = run("systemd-analyze", "security", "--offline=yes", f"--root={root}", "--no-pager", unit)
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", result.stdout + result.stderr)
    if check(match, f"systemd-analyze security gave no exposure level:\n{result.stdout}\n{result.stderr}"):
        print(f"systemd-analyze security: exposure {match.group(1)} {match.group(2)}")
        # 0..10; systemd calls below 2 OK. Without the sandbox it is 9.6 (UNSAFE).
        check(float(match.group(1)) < 2.0, f"exposure {match.group(1)} is not below 2.0 (OK)")


def purge(root):
    must(run("dpkg", f"--root={root}", "--force-not-root", "--force-script-chrootless", "--log=/dev/null",
             "--no-triggers", "--purge", "exidx"), "dpkg --purge")
    left = [p for p in ("usr/bin/exidx", "etc/exidx/exidx.env", "usr/lib/systemd/system/exidx.service")
            if (root / p).exists()]
    check(not left, f"dpkg --purge left {left}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True, type=pathlib.Path)
    parser.add_argument("--version", required=True)
    parser.add_argument("--cpack", default="cpack")
    args = parser.parse_args(argv[1:])
    for tool in ("dpkg", "dpkg-deb", "dpkg-shlibdeps", "systemd-analyze", "man", "bash"):
        if shutil.which(tool) is None:
            print(f"deb_package_test: {tool} is missing (scripts/install-deps.sh)", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="exidx-deb-") as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "out").mkdir()
        deb = build_package(args.cpack, args.build_dir.resolve(), tmp / "out")
        check_control(deb, args.version, args.build_dir / "src/cli/exidx")
        root = tmp / "root"
        install(deb, root)
        exidx = check_files(root, args.version)
        check_docs(root, exidx)
        check_unit(root)
        purge(root)
    if failures:
        print(f"deb_package_test: {len(failures)} checks failed", file=sys.stderr)
        return 1
    print("deb_package_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
