#!/usr/bin/env python3
"""Checks the live-update resources of deploy/template.yaml, read with
cfn-lint's own template decoder: the stream function's event source mapping
(its retry and failure settings) and its role, which may read the table's
stream, call publishExecutionChange and nothing else of the API, and send to
its failure queue. Prints what is wrong and exits 1, else exits 0.

Usage: check_stream_template.py TEMPLATE
"""

import sys

from cfnlint.decode import decode


def main():
    template, problems = decode(sys.argv[1])
    if problems:
        print("cannot read the template:", problems)
        return 1
    resources = template["Resources"]
    wrong = []

    def expect(what, actual, expected):
        if actual != expected:
            wrong.append("%s: expected %r, got %r" % (what, expected, actual))

    function = resources["StreamFunction"]["Properties"]
    expect("StreamFunction Handler", function.get("Handler"), "stream")
    expect("StreamFunction EXIDX_APPSYNC_URL", function["Environment"]["Variables"].get("EXIDX_APPSYNC_URL"),
           {"Ref": "AppSyncGraphQlUrl"})

    mapping = resources["StreamEventSourceMapping"]["Properties"]
    expected_mapping = {
        "FunctionName": {"Ref": "StreamFunction"},
        "EventSourceArn": {"Fn::GetAtt": ["ExecutionTable", "StreamArn"]},
        "StartingPosition": "LATEST",
        "BatchSize": 100,
        "MaximumRetryAttempts": 10,
        "BisectBatchOnFunctionError": True,
        "MaximumRecordAgeInSeconds": 3600,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}},
    }
    for key, value in expected_mapping.items():
        expect("StreamEventSourceMapping " + key, mapping.get(key), value)
    expect("StreamFunction Role", function.get("Role"), {"Fn::GetAtt": ["StreamRole", "Arn"]})

    policies = resources["StreamRole"]["Properties"]["Policies"]
    statements = [s for policy in policies for s in policy["PolicyDocument"]["Statement"]]
    granted = {}
    for statement in statements:
        expect("StreamRole statement effect", statement["Effect"], "Allow")
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            granted[action] = statement["Resource"]
    appsync_field = {"Fn::Sub": "arn:${AWS::Partition}:appsync:${AWS::Region}:${AWS::AccountId}:apis/"
                                "${AppSyncApiId}/types/Mutation/fields/publishExecutionChange"}
    expected_grants = {
        "dynamodb:DescribeStream": {"Fn::GetAtt": ["ExecutionTable", "StreamArn"]},
        "dynamodb:GetRecords": {"Fn::GetAtt": ["ExecutionTable", "StreamArn"]},
        "dynamodb:GetShardIterator": {"Fn::GetAtt": ["ExecutionTable", "StreamArn"]},
        "dynamodb:ListStreams": {"Fn::Sub": "${ExecutionTable.Arn}/stream/*"},
        "appsync:GraphQL": appsync_field,
        "sqs:SendMessage": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
        "logs:CreateLogStream": {"Fn::Sub": "${StreamLogGroup.Arn}:*"},
        "logs:PutLogEvents": {"Fn::Sub": "${StreamLogGroup.Arn}:*"},
    }
    expect("StreamRole actions", sorted(granted), sorted(expected_grants))
    for action, resource in expected_grants.items():
        if action in granted:
            expect("StreamRole resource of " + action, granted[action], resource)

    for problem in wrong:
        print(problem)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
