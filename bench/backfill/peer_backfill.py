"""The peer of `exidx backfill`: what a client of the AWS SDK does for the same answer. It lists every state
machine, reads its tags, lists its executions page by page (ListExecutions, 1,000 a page), describes the
FAILED, TIMED_OUT and ABORTED ones for their error and cause, and writes the records into SQLite in one
transaction, with no rate limit of its own (botocore's retries only).

usage: peer_backfill.py ENDPOINT SQLITE_PATH
"""
import sqlite3
import sys

import boto3

endpoint, path = sys.argv[1], sys.argv[2]
client = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
db = sqlite3.connect(path)
db.execute("CREATE TABLE IF NOT EXISTS executions (arn TEXT PRIMARY KEY, agent TEXT, machine TEXT, name TEXT,"
           " status TEXT, start REAL, stop REAL, error TEXT, cause TEXT)")
rows = []
for page in client.get_paginator("list_state_machines").paginate():
    for machine in page["stateMachines"]:
        tags = {t["key"]: t["value"] for t in client.list_tags_for_resource(resourceArn=machine["stateMachineArn"])["tags"]}
        if tags.get("Type") != "Agent" or tags.get("Application") != "StepFunctionsAgent":
            continue
        agent = tags.get("AgentName", machine["name"])
        for listing in client.get_paginator("list_executions").paginate(
                stateMachineArn=machine["stateMachineArn"], PaginationConfig={"PageSize": 1000}):
            for e in listing["executions"]:
                error = cause = None
                if e["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
                    d = client.describe_execution(executionArn=e["executionArn"])
                    error, cause = d.get("error"), d.get("cause")
                stop = e.get("stopDate")
                rows.append((e["executionArn"], agent, machine["stateMachineArn"], e["name"], e["status"],
                             e["startDate"].timestamp(), stop.timestamp() if stop else None, error, cause))
with db:
    db.executemany("INSERT OR REPLACE INTO executions VALUES (?,?,?,?,?,?,?,?,?)", rows)
print(len(rows))
