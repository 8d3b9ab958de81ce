#!/usr/bin/env python3
"""A fake AWS AppSync GraphQL endpoint for the stream handler's tests, on
127.0.0.1 and a port the kernel picks (written to --port-file).

Every POST is checked as AppSync checks IAM authorisation, independently of
exidx's signer: botocore's SigV4Auth signs the request again (the headers the
request says it signed, its X-Amz-Date, the expected credentials, service
"appsync", the region) and the two Authorization headers must be equal. The
signed headers must include host, x-amz-date and content-type. A request that
fails the check gets 403 with an AppSync-shaped error.

An accepted request must be a GraphQL request {"query", "variables"}; it is
answered from --script, a JSON object {"<executionArn>": [answer, ...]}: each
request for that executionArn (variables.input.executionArn) takes the next
answer, 500 (a server error) or "errors" (a 200 whose body has a GraphQL
error); once they are used up, and for other executions, the mutation
succeeds and its data echoes the input.

Each request appends one JSON line to --log: {"verdict": "published" |
"answered-500" | "answered-errors" | "bad-signature" | "bad-request",
"reason", "query", "variables"}.
"""

import argparse
import datetime
import http.server
import json
import os
import re
import threading
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

CREDENTIAL = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$")


def expected_authorization(args, method, url, headers, body, signed_names):
    """The Authorization header botocore computes for the request as signed."""
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        if name.lower() in signed_names and name.lower() not in ("authorization", "x-amz-date",
                                                                  "x-amz-security-token"):
            request.headers[name] = value
    amz_date = next((v for n, v in headers if n.lower() == "x-amz-date"), "")
    now = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    credentials = botocore.credentials.Credentials(args.access_key, args.secret_key, args.session_token or None)
    signer = botocore.auth.SigV4Auth(credentials, "appsync", args.region)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        signer.add_auth(request)
    return request.headers["Authorization"]


def check_signature(args, method, url, headers, body):
    """None when the request is signed as AppSync requires, else why not."""
    authorization = next((v for n, v in headers if n.lower() == "authorization"), None)
    if authorization is None:
        return "no Authorization header"
    match = CREDENTIAL.match(authorization)
    if not match:
        return "Authorization is not SigV4: " + authorization[:80]
    if match["key"] != args.access_key or match["service"] != "appsync" or match["region"] != args.region:
        return "credential scope %s/%s/%s is not %s/%s/appsync" % (match["key"], match["region"], match["service"],
                                                                 args.access_key, args.region)
    signed = match["signed"].split(";")
    for required in ("content-type", "host", "x-amz-date"):
        if required not in signed:
            return required + " is not signed"
    token = next((v for n, v in headers if n.lower() == "x-amz-security-token"), "")
    if token != (args.session_token or ""):
        return "wrong or missing X-Amz-Security-Token"
    try:
        expected = expected_authorization(args, method, url, headers, body, set(signed))
    except ValueError as error:
        return "unreadable X-Amz-Date: %s" % error
    if expected != authorization:
        return "signature mismatch"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # Quiet: the log file says what happened.
        pass

    def answer(self, status, document):
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, verdict, reason="", request=None):
        line = {"verdict": verdict, "reason": reason}
        if request is not None:
            line["query"] = request.get("query")
            line["variables"] = request.get("variables")
        with self.server.lock:
            with open(self.server.args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(line) + "\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = "http://%s:%d%s" % (self.server.server_address[0], self.server.server_address[1], self.path)
        why = check_signature(self.server.args, "POST", url, list(self.headers.items()), body)
        if why is not None:
            self.record("bad-signature", why)
            self.answer(403, {"errors": [{"errorType": "InvalidSignatureException", "message": why}]})
            return
        try:
            request = json.loads(body)
            arn = request["variables"]["input"]["executionArn"]
            if not isinstance(request["query"], str):
                raise TypeError("query is not a string")
        except (ValueError, KeyError, TypeError) as error:
            self.record("bad-request", repr(error))
            self.answer(400, {"errors": [{"errorType": "BadRequestException", "message": repr(error)}]})
            return
        with self.server.lock:
            planned = self.server.script.get(arn, [])
            answer = planned.pop(0) if planned else None
        if answer == 500:
            self.record("answered-500", "", request)
            self.answer(500, {"errors": [{"errorType": "InternalFailure", "message": "scripted"}]})
        elif answer == "errors":
            self.record("answered-errors", "", request)
            self.answer(200, {"data": {"publishExecutionChange": None},
                              "errors": [{"path": ["publishExecutionChange"], "errorType": "Unauthorized",
                                          "message": "Not Authorized to access publishExecutionChange on type Mutation"}]})
        else:
            self.record("published", "", request)
            self.answer(200, {"data": {"publishExecutionChange": request["variables"]["input"]}})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--script", default="")
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--session-token", default="")
    parser.add_argument("--region", required=True)
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.args = args
    server.lock = threading.Lock()
    server.script = {}
    if args.script:
        with open(args.script, encoding="utf-8") as script:
            server.script = json.load(script)
    open(args.log, "w", encoding="utf-8").close()
    temporary = args.port_file + ".tmp"
    with open(temporary, "w", encoding="utf-8") as port_file:
        port_file.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)  # Whole, or not there yet.
    server.serve_forever()


if __name__ == "__main__":
    main()
