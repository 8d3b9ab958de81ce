#!/usr/bin/env python3
"""Random SigV4 signing cases signed by botocore, the independent oracle for
src/aws/sigv4_botocore_test.cc.

Prints one JSON object per line: the request as it is before signing (method,
url, headers as [name, value] pairs in order, body as hex), the signing
inputs (region, service, time in epoch milliseconds, credentials) and what
botocore produced (authorization, canonical_request, string_to_sign).

The requests are shaped like exidx's: DynamoDB JSON-1.0 (POST /, X-Amz-Target
DynamoDB_20120810.*) and Step Functions (AWSStepFunctions.*), with random
bodies, hosts, ports, regions, dates and session tokens, plus variations the
signer must canonicalise (header name case, repeated headers, runs of spaces,
unsigned headers, endpoint path prefixes, query strings).

Usage: botocore_sigv4_cases.py --count N --seed S
"""

import argparse
import base64
import datetime
import json
import random
import string
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
import botocore.awsrequest
import botocore.credentials

DYNAMODB_TARGETS = ["Query", "GetItem", "PutItem", "UpdateItem", "BatchWriteItem", "DescribeTable",
                    "TransactWriteItems", "Scan"]
SFN_TARGETS = ["ListTagsForResource", "DescribeExecution", "ListExecutions", "DescribeStateMachine",
               "GetExecutionHistory"]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-south-2", "ap-southeast-1",
           "ap-northeast-3", "sa-east-1", "ca-central-1", "me-central-1", "il-central-1", "cn-north-1",
           "us-gov-west-1"]


def random_text(rng, low, high):
    alphabet = string.ascii_letters + string.digits + " _-:/.,#\"'{}[]\\" + "\u00e9\u4e2d\u1234\U0001f600"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_body(rng, target):
    if rng.random() < 0.05:
        return b""
    document = {
        "TableName": "ExecutionIndex-" + random_text(rng, 1, 12),
        "KeyConditionExpression": "#a = :a AND #d BETWEEN :from AND :to",
        "ExpressionAttributeValues": {":a": {"S": random_text(rng, 0, 40)}, ":n": {"N": str(rng.randint(-9, 10**12))}},
        "Limit": rng.randint(1, 1000),
        "resourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:" + random_text(rng, 1, 30),
    }
    if rng.random() < 0.3:
        document["Blob"] = random_text(rng, 100, 3000)
    keys = list(document)
    rng.shuffle(keys)
    document = {k: document[k] for k in keys[: rng.randint(1, len(keys))]}
    return json.dumps(document, ensure_ascii=rng.random() < 0.5).encode("utf-8")


def random_token(rng):
    raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(100, 700)))
    return base64.b64encode(raw).decode("ascii")


def random_url(rng, service, region):
    prefix = "dynamodb" if service == "dynamodb" else "states"
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    choice = rng.randint(0, 6)
    if choice <= 2:
        base = f"https://{prefix}.{region}.{domain}"
    elif choice == 3:
        base = f"http://localhost:{rng.randint(1024, 65535)}"
    elif choice == 4:
        base = f"http://127.0.0.1:{rng.randint(1024, 65535)}"
    elif choice == 5:
        base = rng.choice([f"https://{prefix.upper()}.{region}.{domain}:443", "http://LocalStack:80",
                           f"https://vpce-0abc-{rng.randint(0, 999)}.{prefix}.{region}.vpce.{domain}"])
    else:
        base = f"https://gateway.example.com:{rng.randint(1, 65535)}"
    path = rng.choice(["/", "/", "/", ""])
    if rng.random() < 0.15:
        # An endpoint URL with a path prefix: segments percent-encoded as on the wire, with dot
        # segments and doubled slashes that the signer normalises.
        segments = [quote(random_text(rng, 1, 8), safe="") for _ in range(rng.randint(1, 4))]
        segments += rng.sample([".", "..", "", "x"], rng.randint(0, 2))
        rng.shuffle(segments)
        path = "/" + "/".join(segments) + rng.choice(["", "/"])
    query = ""
    if rng.random() < 0.1:
        pairs = [(quote(random_text(rng, 1, 6), safe="-_.~"), quote(random_text(rng, 0, 6), safe="-_.~"))
                 for _ in range(rng.randint(1, 4))]
        query = "?" + "&".join(f"{k}={v}" for k, v in pairs)
    return base + path + query


def random_case(rng):
    service = rng.choice(["dynamodb", "states"])
    region = rng.choice(REGIONS)
    if service == "dynamodb":
        target = "DynamoDB_20120810." + rng.choice(DYNAMODB_TARGETS)
    else:
        target = "AWSStepFunctions." + rng.choice(SFN_TARGETS)
    url = random_url(rng, service, region)
    body = random_body(rng, target)

    def name(n):
        return rng.choice([n, n.lower(), n.upper()])

    headers = [(name("Content-Type"), "application/x-amz-json-1.0"), (name("X-Amz-Target"), target)]
    if rng.random() < 0.3:
        headers.append((name("User-Agent"), "exidx/0.1 " + random_text(rng, 0, 20)))
    if rng.random() < 0.3:
        headers.append(("X-Amz-Date", "20000101T000000Z"))  # Stale, from an earlier attempt.
    if rng.random() < 0.3:
        headers.append(("Authorization", "AWS4-HMAC-SHA256 stale"))
    if rng.random() < 0.3:
        value = rng.choice(["  a   b  ", "x\t y", "1", "", "trailing   "])
        headers.append((name("X-Exidx-Custom"), value))
        if rng.random() < 0.5:
            headers.append((name("X-Exidx-Custom"), "second  value"))  # Repeated: joined by a comma.
    if rng.random() < 0.2:
        headers.append((name("Content-Length"), str(len(body))))
    if rng.random() < 0.2:
        headers.append(("x-amz-user-agent", "aws-sdk-cpp/" + str(rng.randint(1, 9))))
    rng.shuffle(headers)

    # Whole seconds from 1990 to 2099.
    seconds = rng.randint(631152000, 4102444799)
    access_key = rng.choice(["AKIA", "ASIA"]) + "".join(rng.choice(string.ascii_uppercase + "234567")
                                                        for _ in range(16))
    secret_key = "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    token = random_token(rng) if rng.random() < 0.6 else None
    return {"method": "POST", "url": url, "headers": headers, "body": body, "region": region,
            "service": service, "seconds": seconds, "access_key": access_key, "secret_key": secret_key,
            "token": token}


def sign(case):
    request = botocore.awsrequest.AWSRequest(method=case["method"], url=case["url"], data=case["body"])
    for key, value in case["headers"]:
        request.headers[key] = value  # HTTPHeaders appends: repeated names stay repeated.
    credentials = botocore.credentials.Credentials(case["access_key"], case["secret_key"], case["token"])
    signer = botocore.auth.SigV4Auth(credentials, case["service"], case["region"])
    now = datetime.datetime.fromtimestamp(case["seconds"], tz=datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        signer.add_auth(request)
    authorization = request.headers["Authorization"]
    # For a readable diff on mismatch: the canonical request is recomputed without the
    # Authorization header just added (request.context keeps the signing time).
    del request.headers["Authorization"]
    canonical_request = signer.canonical_request(request)
    return {
        "method": case["method"],
        "url": case["url"],
        "headers": case["headers"],
        "body_hex": case["body"].hex(),
        "region": case["region"],
        "service": case["service"],
        "time_millis": case["seconds"] * 1000,
        "access_key_id": case["access_key"],
        "secret_access_key": case["secret_key"],
        "session_token": case["token"] or "",
        "authorization": authorization,
        "canonical_request": canonical_request,
        "string_to_sign": signer.string_to_sign(request, canonical_request),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for _ in range(args.count):
        sys.stdout.write(json.dumps(sign(random_case(rng)), ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
