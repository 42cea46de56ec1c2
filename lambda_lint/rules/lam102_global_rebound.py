"""LAM102 global-rebound."""
import libcst as cst

from ..analysis.names import is_literal, names_in
from ..analysis.state import bound_line, request_data_stored, state_writes
from .base import Rule


class GlobalRebound(Rule):
    code = "LAM102"
    name = "global-rebound"
    summary = "Warm-path code rebinds a module-level name through `global`"
    what = (
        "Reports `global` names that warm-path code rebinds (`counter += 1`, `last = ...`). Not reported: "
        "the lazy-initialisation idiom, where the assignment only runs while the holder is missing "
        "(`if _client is None: _client = ...`, `if not _conn or _conn.closed:`, a staleness test such as "
        "`time.time() >= _expires_at`, a separate first-call flag `if not _loaded: ...; _loaded = True`), "
        "also when the assignment sits in a helper that is only ever called under such a guard; a reset to "
        "`None` or a literal (unless the same name is otherwise kept, like `failures += 1` ... `failures = 0`); "
        "a value assigned first thing on every invocation before anything reads it (`_started = time.time()` "
        "as the handler's opening statement, directly or in a helper the handler calls first). A guard counts "
        "only if it tests absence, emptiness, staleness or closedness of the holder that the guarded block "
        "fills: `if _calls < LIMIT: _calls += 1` is reported, and so is a test of a parameter or local that "
        "merely shadows the module-level name."
    )
    why = (
        "A module-level variable keeps its value between warm invocations of the same execution "
        "environment. Counters, cursors and \"last seen\" values carry over from one request to the "
        "next, differ between concurrent environments, and reset at random when Lambda starts a new one."
    )
    example = """\
execution_count = 0

def lambda_handler(event, context):
    global execution_count
    execution_count += 1
"""
    use_instead = """\
def lambda_handler(event, context):
    # keep per-invocation values local; keep shared counters in DynamoDB or CloudWatch
    count = table.update_item(...)["Attributes"]["count"]
"""
    fix_safety = "No automatic fix: where the value should live depends on what it is for."
    references = (
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    valid = (
        """\
_client = None

def client():
    global _client
    if _client is None:
        _client = boto3.client("s3")
    return _client

def lambda_handler(event, context):
    return client().list_buckets()
""",
        """\
_loaded = False
_catalog = []

def load_catalog():
    global _loaded, _catalog
    if not _loaded:
        _catalog = fetch_catalog()
        _loaded = True
    return _catalog

def lambda_handler(event, context):
    return len(load_catalog())
""",
        """\
_token = None
_expires_at = 0.0

def _store_token(value, ttl):
    global _token, _expires_at
    _token = value
    _expires_at = time.time() + ttl

def lambda_handler(event, context):
    if not _token or time.time() >= _expires_at:
        body = fetch_token()
        _store_token(body["access_token"], body["expires_in"])
    return call_api(_token)
""",
        """\
_started = 0.0

def lambda_handler(event, context):
    global _started
    _started = time.time()
    return {"elapsed": time.time() - _started}
""",
    )
    invalid = (
        """\
execution_count = 0

def lambda_handler(event, context):
    global execution_count
    execution_count += 1  # expect
""",
        """\
_calls = 0
LIMIT = 1000

def lambda_handler(event, context):
    global _calls
    if _calls < LIMIT:
        _calls += 1  # expect
        return "ok"
    return "quota exhausted"
""",
        """\
last_invoked_at = None

def lambda_handler(event, context):
    global last_invoked_at
    idle = time.time() - last_invoked_at if last_invoked_at else None
    last_invoked_at = time.time()  # expect
    return {"idle": idle}
""",
    )

    def check(self, ctx):
        holders = ctx.holders
        candidates = []
        for write in state_writes(ctx):
            if write.kind != "global":
                continue
            if holders.one_time(write.site):
                continue  # lazy initialisation: runs only while the holder is missing
            if holders.set_at_invocation_start(write.site, write.name):
                continue  # set afresh by every invocation before anything reads it
            candidates.append(write)
        # A reset to a literal is reported only as part of a value that the warm path accumulates
        # (``failures += 1`` ... ``failures = 0``), never by itself.
        carried = {
            w.name for w in candidates
            if (w.augmented or w.name in names_in(w.values[0])) and not request_data_stored(ctx, w)
        }
        for write in candidates:
            if not write.augmented and _reset_value(write.values[0]) and write.name not in carried:
                continue
            line = bound_line(ctx, write)
            where = f" (bound on line {line})" if line else ""
            yield self.report(
                write.node,
                f"module-level `{write.name}`{where} is rebound on the warm path; its value carries over "
                "to the next invocation in this environment",
                f"Keep `{write.name}` local to the invocation and pass it along; if it must be shared, "
                "store it outside the process (DynamoDB, ElastiCache, CloudWatch metrics).",
            )


def _reset_value(value) -> bool:
    """``None``, a literal, or an empty list/dict/set display."""
    if is_literal(value):
        return True
    return isinstance(value, (cst.List, cst.Dict, cst.Set)) and not value.elements
