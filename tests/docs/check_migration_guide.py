#!/usr/bin/env python3
"""Checks docs/migrating-from-the-first-design.md against the real tools.

1. Every `exidx` command of the guide's sh blocks: each flag is in
   `exidx <command> --help`. Every `aws` command: its operation (or waiter)
   and options are in botocore's model of the service.
2. On a moto_server started here: a table as the first design created it,
   items as its indexer wrote them (unconditional PutItems, a late RUNNING
   over an ABORTED among them), then every `exidx` command of the guide, in
   the guide's order, with the checks of what each must print; between the
   two migrations the old writer writes once more. At the end every item is
   in every query shape, and the regressed record is ABORTED again.
3. docs/import-first-design-table.yaml holds the template's ExecutionTable.

Usage: check_migration_guide.py EXIDX_BINARY REPO_DIR
"""
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

EXIDX, REPO = sys.argv[1], sys.argv[2]
GUIDE = os.path.join(REPO, "docs/migrating-from-the-first-design.md")
TABLE = "ExecutionIndex-prod"
REGION = "us-west-2"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, file=sys.stderr)


def guide_commands():
    """The commands of the guide's ```sh blocks, continuation lines joined,
    trailing comments dropped, in order."""
    text = open(GUIDE, encoding="utf-8").read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def check_exidx_flags(commands):
    helps = {}
    checked = 0
    for command in commands:
        words = shlex.split(command)
        if words[0] != "exidx":
            continue
        sub = words[1]
        if sub not in helps:
            run = subprocess.run([EXIDX, sub, "--help"], capture_output=True, text=True)
            if run.returncode != 0:
                fail(f"`exidx {sub} --help` exited {run.returncode}: {run.stderr}")
            helps[sub] = run.stdout
        for word in words[2:]:
            if word.startswith("--"):
                flag = word.split("=", 1)[0]
                checked += 1
                if not re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", helps[sub]):
                    fail(f"`{command}`: exidx {sub} has no {flag}")
    return checked


AWS_GLOBAL = {"--region", "--output", "--query", "--endpoint-url", "--profile", "--cli-binary-format", "--no-paginate"}
AWS_CUSTOM = {("logs", "tail")}  # AWS CLI customizations, not in the service model.


def check_aws_commands(commands):
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    checked = 0
    for command in commands:
        words = shlex.split(command)
        if words[0] != "aws":
            continue
        service, operation = words[1], words[2]
        if (service, operation) in AWS_CUSTOM:
            continue
        model = session.get_service_model(service)
        options = [w.split("=", 1)[0] for w in words[3:] if w.startswith("--")]
        if operation == "wait":
            waiters = session.get_waiter_model(service)
            names = {xform_name(n, "-") for n in waiters.waiter_names}
            if words[3] not in names:
                fail(f"`{command}`: no waiter {words[3]} in {service}")
                continue
            operation = xform_name(waiters.get_waiter(
                next(n for n in waiters.waiter_names if xform_name(n, "-") == words[3])).operation, "-")
            options = [w.split("=", 1)[0] for w in words[4:] if w.startswith("--")]
        ops = {xform_name(n, "-"): n for n in model.operation_names}
        if operation not in ops:
            fail(f"`{command}`: {service} has no operation {operation}")
            continue
        shape = model.operation_model(ops[operation]).input_shape
        members = set()
        if shape is not None:
            for name, member in shape.members.items():
                members.add("--" + xform_name(name, "-"))
                if member.type_name == "boolean":
                    members.add("--no-" + xform_name(name, "-"))
        for option in options:
            checked += 1
            if option not in members and option not in AWS_GLOBAL:
                fail(f"`{command}`: aws {service} {operation} has no option {option}")
    return checked


def check_import_template():
    import cfnlint.decode.cfn_yaml as cfn_yaml

    imported = cfn_yaml.load(os.path.join(REPO, "docs/import-first-design-table.yaml"))["Resources"]
    template = cfn_yaml.load(os.path.join(REPO, "deploy/template.yaml"))["Resources"]
    if list(imported) != ["ExecutionTable"]:
        fail(f"docs/import-first-design-table.yaml: resources {list(imported)}, expected ExecutionTable alone")
    elif imported["ExecutionTable"] != template["ExecutionTable"]:
        fail("docs/import-first-design-table.yaml: ExecutionTable differs from deploy/template.yaml's")


# --- moto_server ---------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(log):
    port = free_port()
    python = "/root/.pyenv/shims/python3" if os.path.exists("/root/.pyenv/shims/python3") else sys.executable
    child = subprocess.Popen([python, os.path.join(REPO, "tests/aws/moto_serialized.py"), "-H", "127.0.0.1",
                              "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=0.5)
            return child, url
        except Exception:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("moto_server did not start")


AGENT_TAGS = [{"key": "Type", "value": "Agent"}, {"key": "Application", "value": "StepFunctionsAgent"}]


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def first_design_item(arn, machine_arn, agent, name, status, start_ms, stop_ms=None):
    """The item indexStepFunctionExecution puts (its handler.ts, field by field)."""
    item = {"executionArn": {"S": arn}, "agentName": {"S": agent}, "stateMachineArn": {"S": machine_arn},
            "executionName": {"S": name}, "status": {"S": status}, "startDate": {"S": iso(start_ms)}}
    if stop_ms is not None and status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"):
        item["stopDate"] = {"S": iso(stop_ms)}
        item["durationSeconds"] = {"N": str((stop_ms - start_ms) // 1000)}
    item["indexedAt"] = {"S": iso(int(time.time() * 1000))}
    return item


def seed(ddb, sfn):
    """The first design's table and what its indexer wrote; the ARN of the
    record a late RUNNING regressed."""
    ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                              for n in ("executionArn", "agentName", "status", "startDate")],
        KeySchema=[{"AttributeName": "executionArn", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "AgentDateIndex", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "agentName", "KeyType": "HASH"},
                           {"AttributeName": "startDate", "KeyType": "RANGE"}]},
            {"IndexName": "StatusDateIndex", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                           {"AttributeName": "startDate", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    machines = {}
    for machine, agent in (("sql-agent-prod", "sql-agent"), ("research-agent-prod", None)):
        tags = AGENT_TAGS + ([{"key": "AgentName", "value": agent}] if agent else [])
        created = sfn.create_state_machine(
            name=machine, definition='{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}',
            roleArn="arn:aws:iam::123456789012:role/sfn", tags=tags)
        machines[machine] = (created["stateMachineArn"], agent or machine)
    base = int(time.time() * 1000) - 40 * 86400 * 1000
    statuses = ["SUCCEEDED", "FAILED", "RUNNING", "TIMED_OUT", "SUCCEEDED", "ABORTED"]
    count = 0
    for i in range(36):
        machine = "sql-agent-prod" if i % 3 else "research-agent-prod"
        machine_arn, agent = machines[machine]
        name = f"old-{i:02d}"
        arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
        start = base + i * 3_600_000 + (i % 4) * 137
        status = statuses[i % len(statuses)]
        ddb.put_item(TableName=TABLE, Item=first_design_item(arn, machine_arn, agent, name, status, start,
                                                             start + 61_234 if status != "RUNNING" else None))
        count += 1
    # An execution Step Functions still has, ended (ABORTED); then its RUNNING
    # event came late, and the unconditional PutItem regressed the record.
    machine_arn, agent = machines["sql-agent-prod"]
    started = sfn.start_execution(stateMachineArn=machine_arn, name="regressed")
    sfn.stop_execution(executionArn=started["executionArn"])
    described = sfn.describe_execution(executionArn=started["executionArn"])
    start_ms = int(described["startDate"].timestamp() * 1000)
    stop_ms = int(described["stopDate"].timestamp() * 1000)
    args = (started["executionArn"], machine_arn, agent, "regressed")
    ddb.put_item(TableName=TABLE, Item=first_design_item(*args, "ABORTED", start_ms, stop_ms))
    ddb.put_item(TableName=TABLE, Item=first_design_item(*args, "RUNNING", start_ms))
    return count + 1, started["executionArn"], machines


def records(ddb):
    items, kwargs = [], {"TableName": TABLE, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        items += [i for i in page["Items"] if not i["executionArn"]["S"].startswith("#exidx#")]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def exidx(args, env):
    run = subprocess.run([EXIDX] + args, capture_output=True, text=True, env=env, timeout=600)
    return run


def query(env, **filters):
    args = ["query", "--store", f"dynamodb://{TABLE}", "--format", "json", "--limit", "1000"]
    for flag, value in filters.items():
        args += [f"--{flag}", value]
    run = exidx(args, env)
    if run.returncode != 0:
        fail(f"exidx {' '.join(args)}: exit {run.returncode}: {run.stderr}")
        return []
    return [e["executionArn"] for e in json.loads(run.stdout)["executions"]]


def last_json(text):
    lines = [l for l in text.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def run_guide_on_moto(commands):
    import boto3

    log = tempfile.NamedTemporaryFile(prefix="exidx-guide-moto-", suffix=".log", delete=False)
    child, url = start_moto(log)
    try:
        env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_REGION=REGION, AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing-secret", AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE="/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials")
        for name in ("EXIDX_STORE", "EXIDX_TAGS_FILE", "EXIDX_INDEX_ALL", "EXIDX_TOKEN_SECRET",
                     "EXIDX_RETENTION_DAYS", "EXIDX_RETAIN"):
            env.pop(name, None)
        clients = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing-secret")
        ddb, sfn = boto3.client("dynamodb", **clients), boto3.client("stepfunctions", **clients)
        total, regressed, machines = seed(ddb, sfn)
        migrations = 0
        ran = 0
        for command in commands:
            words = shlex.split(command)
            if words[0] != "exidx":
                continue
            if "<" in command:
                fail(f"`{command}`: a placeholder in an exidx command")
                continue
            if words[1] == "backfill" and migrations == 1:
                fail("the guide backfills before its second migrate")
            run = exidx(words[1:], env)
            ran += 1
            print(f"ran: {command} -> exit {run.returncode}")
            counts = last_json(run.stdout)
            if run.returncode != 0:
                fail(f"`{command}` exited {run.returncode}: {run.stderr[-2000:]}")
                continue
            if words[1] == "migrate":
                if "--dry-run" in words:
                    if counts.get("rewritten") != total or counts.get("dryRun") is not True:
                        fail(f"`{command}`: expected {total} to rewrite, got {counts}")
                elif "--resume" in words:
                    if counts.get("rewritten", 0) != 0:
                        fail(f"`{command}` after a finished run rewrote {counts}")
                else:
                    migrations += 1
                    expected = total if migrations == 1 else 1
                    if counts.get("rewritten") != expected or counts.get("undecodable") != 0:
                        fail(f"`{command}` (migration {migrations}): expected {expected} rewritten, got {counts}")
                    if migrations == 1:
                        # The old writer, still on until step 3, replaces one migrated item.
                        item = [i for i in records(ddb) if i["executionArn"]["S"].endswith(":old-05")][0]
                        for attribute in ("version", "startKey", "agentStatus", "allShard", "counted",
                                          "statsPartition", "statsKey"):
                            item.pop(attribute, None)
                        ddb.put_item(TableName=TABLE, Item=item)
            elif words[1] == "backfill" and "--resume" not in words:
                # The regressed record is repaired: Step Functions says ABORTED.
                if counts.get("indexed", 0) < 1:
                    fail(f"`{command}`: expected the regressed record indexed again, got {counts}")
            elif words[1] == "stats" and "--format" in words and words[words.index("--format") + 1] == "json":
                totals = json.loads(run.stdout).get("totals", {})
                in_range = len(query(env, **{"from": words[words.index("--from") + 1]}))
                if totals.get("executions") != in_range:
                    fail(f"`{command}`: totals {totals.get('executions')}, the list holds {in_range}")
        if ran == 0 or migrations != 2:
            fail(f"ran {ran} exidx commands of the guide, {migrations} migrations (expected 2)")
        check_every_shape(ddb, env, regressed)
    finally:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()


def check_every_shape(ddb, env, regressed):
    items = records(ddb)
    by_arn = {i["executionArn"]["S"]: i for i in items}
    status = by_arn[regressed]["status"]["S"]
    if status != "ABORTED":
        fail(f"the record a late RUNNING regressed is {status} after the backfill, expected ABORTED")
    for i in items:
        if "version" not in i or "allShard" not in i:
            fail(f"{i['executionArn']['S']} lacks the index attributes after the migration")

    def expected(agent=None, st=None):
        chosen = [i for i in items if (agent is None or i["agentName"]["S"] == agent)
                  and (st is None or i["status"]["S"] == st)]
        chosen.sort(key=lambda i: (i["startDate"]["S"], i["executionArn"]["S"]), reverse=True)
        return [i["executionArn"]["S"] for i in chosen]

    shapes = [({}, expected())]
    for agent in sorted({i["agentName"]["S"] for i in items}):
        shapes.append(({"agent": agent}, expected(agent=agent)))
        for st in sorted({i["status"]["S"] for i in items}):
            shapes.append(({"agent": agent, "status": st}, expected(agent, st)))
    for st in sorted({i["status"]["S"] for i in items}):
        shapes.append(({"status": st}, expected(st=st)))
    for filters, arns in shapes:
        got = query(env, **filters)
        if got != arns:
            fail(f"exidx query {filters}: {len(got)} executions, the table holds {len(arns)} "
                 f"(first difference at {next((k for k, (a, b) in enumerate(zip(got, arns)) if a != b), None)})")
    print(f"checked {len(shapes)} query shapes over {len(items)} records")


def main():
    commands = guide_commands()
    print(f"{len(commands)} commands in the guide")
    print(f"{check_exidx_flags(commands)} exidx flags looked up")
    print(f"{check_aws_commands(commands)} aws options looked up")
    check_import_template()
    run_guide_on_moto(commands)
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        return 1
    print("the guide holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
