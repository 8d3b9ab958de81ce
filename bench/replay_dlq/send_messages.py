#!/usr/bin/env python3
"""Creates an SQS queue on moto and fills it with the events of an NDJSON file,
as the two writers of the dead-letter queue leave them: every other message as
EventBridge's target DLQ (the event itself), the rest as Lambda's on-failure
invocation record (the event as requestPayload). Prints the queue URL.

usage: send_messages.py ENDPOINT QUEUE_NAME EVENTS.ndjson"""
import json
import sys

import boto3

endpoint, name, path = sys.argv[1:4]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bench", aws_secret_access_key="bench")
url = sqs.create_queue(QueueName=name)["QueueUrl"]
with open(path) as events:
    lines = [line.strip() for line in events if line.strip()]
for start in range(0, len(lines), 10):
    entries = []
    for i, line in enumerate(lines[start:start + 10], start):
        body = line if i % 2 == 0 else json.dumps({
            "version": "1.0", "requestContext": {"requestId": str(i), "condition": "RetriesExhausted"},
            "requestPayload": json.loads(line), "responsePayload": {"errorType": "Unavailable"}})
        entries.append({"Id": str(i), "MessageBody": body, "MessageAttributes": {
            "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"}}})
    sqs.send_message_batch(QueueUrl=url, Entries=entries)
print(url)
