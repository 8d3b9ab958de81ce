#!/usr/bin/env python3
"""Writes exidx's man pages and bash completion from the binary's --help texts.

The build runs it on the exidx it just linked (packaging/CMakeLists.txt), so
both always describe the options of that binary: a subcommand or an option
added to the code appears in them without anyone editing them.

  cli_docs.py man --exidx BIN --version X.Y.Z --out-dir DIR
      DIR/exidx.1.gz, and one page per subcommand: exidx-serve.1.gz,
      exidx-tags-refresh.1.gz, ... (stale pages in DIR are removed)
  cli_docs.py completion --exidx BIN --out FILE
      a bash completion script: subcommands, their options, and files for
      option values and arguments

It reads the help format of CLI11 2.1 (the Formatter's): a description, a
"Usage:" line, then "Positionals:", "Options:" and "Subcommands:" sections
whose entries start at column 2, with the description at column 30 (on the
next line when the entry's name is longer). A help text it cannot read is an
error (exit 1), never a page with options missing. Exit 2 on bad usage.
"""
import argparse
import dataclasses
import gzip
import pathlib
import re
import subprocess
import sys

DESCRIPTION_COLUMN = 30
SECTIONS = ("Positionals", "Options", "Subcommands")
# An entry's name and what CLI11 says of its value: "-h,--help", "--listen TEXT=127.0.0.1:8080 (Env:EXIDX_LISTEN)",
# "--writes-in-flight INT:INT in [1 - 256]=16 (Env:EXIDX_WRITES_IN_FLIGHT)", "--state-machine TEXT ...",
# "files TEXT ... REQUIRED".
HEADER = re.compile(r"(?P<names>[^\s(]+)"
                    r"(?: (?P<type>[A-Z][A-Z0-9_]*(?::(?:[A-Z]+ in \[[^\]]*\]|[^\s=]+))?)(?:=(?P<default>\S*))?)?"
                    r"(?P<many> \.\.\.)?(?: x \d+)?"
                    r"(?P<required> REQUIRED)?"
                    r"(?: \(Env:(?P<env>[A-Za-z0-9_]+)\))?"
                    r"(?: Needs:(?: --?[\w-]+)+)?(?: Excludes:(?: --?[\w-]+)+)?")


class HelpError(Exception):
    pass


@dataclasses.dataclass
class Entry:
    names: list  # ["-h", "--help"], or ["files"] for a positional
    type: str = ""  # "TEXT", "UINT", "TEXT:{json,table,csv}"; "" for a flag
    default: str = ""
    many: bool = False
    required: bool = False
    env: str = ""
    description: str = ""


@dataclasses.dataclass
class Command:
    path: list  # [] for exidx itself, ["tags", "refresh"]
    description: str = ""
    usage: str = ""
    positionals: list = dataclasses.field(default_factory=list)
    options: list = dataclasses.field(default_factory=list)
    subcommands: list = dataclasses.field(default_factory=list)  # [(name, description)]
    children: list = dataclasses.field(default_factory=list)

    @property
    def name(self):
        return " ".join(["exidx"] + self.path)

    @property
    def page(self):
        return "-".join(["exidx"] + self.path)


def parse_help(path, text):
    """The Command that `exidx PATH --help` printed as TEXT."""
    command = Command(path=path)
    lines = text.splitlines()
    usage_at = next((i for i, line in enumerate(lines) if line.startswith("Usage: ")), None)
    if usage_at is None:
        raise HelpError(f"{command.name} --help: no 'Usage:' line")
    command.description = " ".join(line.strip() for line in lines[:usage_at] if line.strip())
    command.usage = lines[usage_at][len("Usage: "):].strip()
    section = None
    entry = None
    for number, line in enumerate(lines[usage_at + 1:], usage_at + 2):
        if not line.strip():
            entry = None
            continue
        if line.endswith(":") and line[:-1] in SECTIONS:
            section, entry = line[:-1], None
            continue
        if section is None:
            raise HelpError(f"{command.name} --help, line {number}: text outside a section: {line!r}")
        if line.startswith(" " * DESCRIPTION_COLUMN):
            if entry is None:
                raise HelpError(f"{command.name} --help, line {number}: a continuation without an entry")
            text_part = line.strip()
            if isinstance(entry, Entry):
                entry.description = f"{entry.description} {text_part}".strip()
            else:
                entry[1] = f"{entry[1]} {text_part}".strip()
            continue
        if section == "Subcommands":
            match = re.match(r"^  (\S+)(?: +(\S.*))?$", line)
            if not match:
                raise HelpError(f"{command.name} --help, line {number}: not a subcommand entry: {line!r}")
            entry = [match.group(1), match.group(2) or ""]
            command.subcommands.append(entry)
            continue
        # The description starts at DESCRIPTION_COLUMN, or on the next line when the header is longer.
        header, description = line[2:].rstrip(), ""
        match = HEADER.fullmatch(header)
        if not match:
            header, description = line[2:DESCRIPTION_COLUMN].rstrip(), line[DESCRIPTION_COLUMN:].strip()
            match = HEADER.fullmatch(header)
        if not match:
            raise HelpError(f"{command.name} --help, line {number}: not an option entry: {line!r}")
        entry = Entry(names=match.group("names").split(","), type=match.group("type") or "",
                      default=match.group("default") or "", many=bool(match.group("many")),
                      required=bool(match.group("required")), env=match.group("env") or "",
                      description=description)
        (command.positionals if section == "Positionals" else command.options).append(entry)
    return command


def read_commands(exidx, path=()):
    """exidx PATH's Command with its children, read from the binary's --help, recursively."""
    path = list(path)
    result = subprocess.run([exidx, *path, "--help"], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise HelpError(f"{' '.join(['exidx'] + path)} --help exited {result.returncode}: {result.stderr.strip()}")
    command = parse_help(path, result.stdout)
    command.children = [read_commands(exidx, path + [name]) for name, _ in command.subcommands]
    return command


def walk(command):
    yield command
    for child in command.children:
        yield from walk(child)


# --- man pages -------------------------------------------------------------------------------------------------


def roff(text):
    """TEXT as roff body text: backslashes and hyphens escaped, no line taken as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line[:1] in (".", "'") else line for line in text.split("\n"))


def man_page(command, version, root):
    upper = command.page.upper()
    out = [f'.TH "{upper}" "1" "" "exidx {version}" "Execution Index"', ".nh",
           ".SH NAME", f"{roff(command.page)} \\- {roff(first_sentence(command.description))}",
           ".SH SYNOPSIS", f".B {roff(command.name)}", roff(command.usage.split(None, 1 + len(command.path))[-1])
           if len(command.usage.split()) > 1 + len(command.path) else "",
           ".SH DESCRIPTION", roff(command.description)]
    if command.positionals:
        out.append(".SH ARGUMENTS")
        for entry in command.positionals:
            out += entry_roff(entry)
    if command.options:
        out.append(".SH OPTIONS")
        for entry in command.options:
            out += entry_roff(entry)
    if command.subcommands:
        out.append(".SH COMMANDS")
        for name, description in command.subcommands:
            out += [".TP", f".B {roff(name)}", roff(sentence(description)),
                    f"See \\fB{roff(command.page)}\\-{roff(name)}\\fR(1)."]
    environment = [entry for entry in command.options if entry.env]
    if environment:
        out.append(".SH ENVIRONMENT")
        out.append("Each variable sets its option when the option is not given on the command line.")
        for entry in environment:
            out += [".TP", f".B {entry.env}", f"As \\fB{roff(entry.names[-1])}\\fR."]
    out += [".SH EXIT STATUS", "0 on success, 1 on a runtime error, 2 on bad usage (including invalid query",
            "arguments and page tokens)."]
    see_also = [c.page for c in walk(root) if c is not command]
    out += [".SH SEE ALSO", ",\n".join(f"\\fB{roff(page)}\\fR(1)" for page in see_also) + ",",
            "and README.md in /usr/share/doc/exidx."]
    return "\n".join(line for line in out if line != "") + "\n"


def first_sentence(text):
    """The words of a description before its first stop, colon or parenthesis: the NAME line's summary."""
    return re.split(r"\.\s|\.$|:|\(", text, maxsplit=1)[0].strip()


def sentence(text):
    """TEXT ending in a full stop (CLI11 descriptions often lack one), so that what follows reads apart."""
    return text + "." if text and not text.endswith((".", ":", ")", "!", "?")) else text


def entry_roff(entry):
    names = ", ".join(f"\\fB{roff(name)}\\fR" for name in entry.names)
    if entry.type:
        names += f" \\fI{roff(entry.type)}\\fR" + (" ..." if entry.many else "")
    details = []
    if entry.required:
        details.append("Required.")
    if entry.default:
        details.append(f"Default: {roff(entry.default)}.")
    if entry.env:
        details.append(f"Environment: \\fB{entry.env}\\fR.")
    return [".TP", names, roff(sentence(entry.description))] + details


def write_man_pages(root, version, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {}
    for command in walk(root):
        pages[f"{command.page}.1.gz"] = man_page(command, version, root)
    for stale in out_dir.glob("*.1.gz"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        # mtime 0 and no file name in the header: the same help gives the same bytes.
        with open(out_dir / name, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                              compresslevel=9) as gz:
            gz.write(text.encode())


# --- bash completion -------------------------------------------------------------------------------------------


def bash_word_list(words):
    return "'" + " ".join(words).replace("'", "") + "'"


def completion_script(root):
    subcommands, options, valued = [], [], []
    for command in walk(root):
        key = bash_word_list(["exidx"] + command.path)  # bash refuses an empty key
        subcommands.append(f"  [{key}]={bash_word_list(name for name, _ in command.subcommands)}")
        options.append(f"  [{key}]={bash_word_list(n for e in command.options for n in e.names)}")
        valued.append(f"  [{key}]=' {' '.join(n for e in command.options if e.type for n in e.names)} '")
    return f"""# bash completion for exidx. Generated by packaging/cli_docs.py from the --help
# texts of the exidx binary it was built with: do not edit.

declare -gA _exidx_subcommands=(
{chr(10).join(subcommands)}
)
declare -gA _exidx_options=(
{chr(10).join(options)}
)
# Options that take a value, between spaces.
declare -gA _exidx_valued=(
{chr(10).join(valued)}
)

_exidx() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} path=exidx word i
  COMPREPLY=()
  # The subcommand path so far; an option's value is not a subcommand.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if [[ " ${{_exidx_subcommands[$path]}} " == *" $word "* ]]; then
      path="$path $word"
    elif [[ $word == -* && $word != *=* && ${{_exidx_valued[$path]}} == *" $word "* ]]; then
      ((i++))
    fi
  done
  local prev=""
  if ((COMP_CWORD > 1)); then
    prev=${{COMP_WORDS[COMP_CWORD - 1]}}
  fi
  if [[ $prev == -* && ${{_exidx_valued[$path]}} == *" $prev "* ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${{_exidx_options[$path]}}" -- "$cur")
  elif [[ -n ${{_exidx_subcommands[$path]}} ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${{_exidx_subcommands[$path]}}" -- "$cur")
  else
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}}
complete -F _exidx exidx
"""


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    man = sub.add_parser("man", help="write the man pages")
    man.add_argument("--exidx", required=True)
    man.add_argument("--version", required=True)
    man.add_argument("--out-dir", required=True, type=pathlib.Path)
    completion = sub.add_parser("completion", help="write the bash completion script")
    completion.add_argument("--exidx", required=True)
    completion.add_argument("--out", required=True, type=pathlib.Path)
    args = parser.parse_args(argv[1:])
    try:
        root = read_commands(args.exidx)
    except (HelpError, OSError, subprocess.TimeoutExpired) as error:
        print(f"cli_docs: {error}", file=sys.stderr)
        return 1
    if args.what == "man":
        write_man_pages(root, args.version, args.out_dir)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(completion_script(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
