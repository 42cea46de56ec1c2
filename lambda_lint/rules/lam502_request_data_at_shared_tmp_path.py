"""LAM502 request-data-at-shared-tmp-path."""
from ..analysis.shared_tmp import shared_tmp_writes
from .base import Rule


class RequestDataAtSharedTmpPath(Rule):
    code = "LAM502"
    name = "request-data-at-shared-tmp-path"
    summary = "Request data is written to a constant /tmp path that a later invocation reads back"
    what = (
        "Reports warm-path code that writes data derived from `event`/`context` (written through the file "
        "object, or the source of a download or copy the request chose) to a **constant** `/tmp` path (a "
        "literal, a module-level constant, `os.path.join(\"/tmp\", \"x\")`, `Path(\"/tmp\") / \"x\"`, "
        "`tempfile.gettempdir()` joined with a literal) when a later invocation gets it back: the warm path "
        "reads that path, checks that it exists, or the file is opened in append mode. Reported at the call "
        "that opens or creates the file.\n\n"
        "Not reported: a write that nothing reads back (the next request overwrites it); content that does "
        "not come from the request (a model or font cached on purpose); a file removed on every path "
        "(`os.remove` in `finally`); paths with a per-invocation part (LAM501's domain)."
    )
    why = (
        "/tmp outlives the invocation and is shared by every invocation of the execution environment, "
        "which may serve another user or tenant next. A request's data left at a fixed path is served to "
        "the next request that finds the file there (an exists-check that skips the download, a read of a "
        "draft), and append mode carries every earlier invocation's data into this one's output."
    )
    example = """\
import os, json

DRAFT = "/tmp/draft.json"

def lambda_handler(event, context):
    draft = json.load(open(DRAFT)) if os.path.exists(DRAFT) else []
    draft.append(event["text"])
    with open(DRAFT, "w") as fh:
        json.dump(draft, fh)
"""
    use_instead = """\
import json, boto3

table = boto3.resource("dynamodb").Table("drafts")

def lambda_handler(event, context):
    item = table.get_item(Key={"user": event["user"]}).get("Item", {"lines": []})
    item["lines"].append(event["text"])
    table.put_item(Item={"user": event["user"], **item})
"""
    fix_safety = "No automatic fix: where per-user data should live depends on the application."
    references = (
        "[Lambda: /tmp is preserved between invocations of an execution environment](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
        "[CWE-377: insecure temporary file](https://cwe.mitre.org/data/definitions/377.html)",
    )
    valid = (
        """\
import json

def lambda_handler(event, context):
    with open("/tmp/last-input.json", "w") as fh:
        json.dump(event["features"], fh)
    return {"ok": True}
""",
    )
    invalid = (
        """\
import csv

LOG_PATH = "/tmp/timelog.csv"

def lambda_handler(event, context):
    with open(LOG_PATH, "a", newline="") as fh:  # expect
        csv.writer(fh).writerow([event["user"], event["hours"]])
""",
    )

    def check(self, ctx):
        for write in shared_tmp_writes(ctx):
            yield self.report(
                write.site.node,
                f"request data is written to the fixed path `{write.path}` and {write.read_back}: a later "
                "invocation, possibly for another user, gets this request's data",
                "Keep request data in memory or under a per-invocation name that is removed in `finally` "
                "(`tempfile.TemporaryDirectory()`), or store it per user outside /tmp.",
            )
