"""Fills a moto_server's Step Functions with state machines and executions for the backfill benchmark.

usage: setup_moto.py ENDPOINT MACHINES EXECUTIONS_PER_MACHINE STOP_PERCENT
Agent state machines (tagged Type=Agent, Application=StepFunctionsAgent) get the executions;
STOP_PERCENT of them are stopped (ABORTED), which a backfill describes.
"""
import sys

import boto3

endpoint, machines, per_machine, stop_percent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
definition = '{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}'
for m in range(machines):
    arn = client.create_state_machine(
        name=f"agent-{m}", definition=definition, roleArn="arn:aws:iam::123456789012:role/bench",
        tags=[{"key": "Type", "value": "Agent"}, {"key": "Application", "value": "StepFunctionsAgent"}])["stateMachineArn"]
    for i in range(per_machine):
        execution = client.start_execution(stateMachineArn=arn, name=f"run-{i}")["executionArn"]
        if i % 100 < stop_percent:
            client.stop_execution(executionArn=execution)
