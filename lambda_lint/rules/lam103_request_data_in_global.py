"""LAM103 request-data-in-global."""
from ..analysis.environ import environment_writes
from ..analysis.memo import keyed_store, memo_store
from ..analysis.state import bound_where, request_data_stored, reset_each_invocation, state_writes
from .base import Rule


class RequestDataInGlobal(Rule):
    code = "LAM103"
    name = "request-data-in-global"
    summary = "A value derived from the event or context is stored in module-level state"
    what = (
        "Reports warm-path code that stores data derived from the handler's `event` or `context` in "
        "module-level state: rebinding a global, storing into a module-level container, or setting an "
        "attribute of a module-level object or class. Data flow is followed through assignments, "
        "calls and the parameters of helper functions. Using event data only as a cache key is not reported. "
        "Module-level state includes what is reached indirectly: a container imported from another project "
        "module (`from state import sessions`), a plain alias (`headers = HEADERS`), an object taken out of a "
        "module-level registry (`exporter = EXPORTERS[fmt]; exporter.requested_by = user`), the attributes of "
        "a module-level object (`tally.note(x)` appending to `self.seen`), and class-body containers (request "
        "data stored into one is LAM103, not LAM105). Request data is followed in program order: a store sees "
        "the values that reach it, so a local rebound from the event after the store does not taint it (a "
        "value assigned on one branch of an `if` still counts after it). A `lambda` or nested function that "
        "captures request values carries them (`hooks.on_done = lambda msg: log(user, msg)`). Parameters of "
        "callbacks registered on a framework object (`@app.on(\"message\")`, `@bot.message_handler(...)`) are "
        "request data. Not reported: a container cleared as the handler's first statement (`_batch.clear()`), "
        "which nothing carries over; a value that depends on the event only through control flow. Restoring a "
        "global in `finally` is not recognised as a reset."
    )
    why = (
        "The next invocation in the same execution environment, usually for another caller, finds "
        "the previous caller's data: user ids, tenants, headers, tokens. This leaks data between "
        "requests and makes a handler behave differently depending on which request ran before."
    )
    example = """\
_current_user = None

def lambda_handler(event, context):
    global _current_user
    _current_user = event["requestContext"]["authorizer"]["claims"]["sub"]
    return handle(event)
"""
    use_instead = """\
def lambda_handler(event, context):
    current_user = event["requestContext"]["authorizer"]["claims"]["sub"]
    return handle(event, current_user)
"""
    fix_safety = "No automatic fix: the value has to be passed along explicitly instead."
    references = (
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
        "[OWASP: Session data leakage between users](https://owasp.org/www-community/vulnerabilities/)",
    )
    valid = (
        """\
def lambda_handler(event, context):
    last_caller = event["caller"]
    return {"caller": last_caller}
""",
        """\
_service_token = None

def lambda_handler(event, context):
    global _service_token
    if _service_token is None:
        token = fetch_service_token()
        _service_token = token
    token = event["headers"]["authorization"]
    return {"isAuthorized": token == _service_token}
""",
        """\
_batch = []

def lambda_handler(event, context):
    _batch.clear()
    for record in event["Records"]:
        _batch.append(record["body"])
    return flush(_batch)
""",
    )
    invalid = (
        """\
_last_request = {}

def lambda_handler(event, context):
    _last_request["id"] = context.aws_request_id  # expect
""",
        """\
_ids = []

def _remember(body):
    _ids.append(body["order_id"])  # expect

def lambda_handler(event, context):
    _remember(json.loads(event["body"]))
""",
        """\
HEADERS = {"Content-Type": "application/json"}

def lambda_handler(event, context):
    headers = HEADERS
    headers["Set-Cookie"] = cookie_for(event["cart_id"])  # expect
    return {"statusCode": 200, "headers": headers}
""",
        """\
EXPORTERS = {"csv": CsvExporter, "tsv": TsvExporter}

def lambda_handler(event, context):
    exporter = EXPORTERS[event.get("format", "csv")]
    exporter.requested_by = event["requestContext"]["authorizer"]["principalId"]  # expect
    return exporter.render(event["rows"])
""",
        """\
class Hooks:
    on_done = None

hooks = Hooks()

def lambda_handler(event, context):
    user = event["requestContext"]["authorizer"]["principalId"]
    hooks.on_done = lambda msg: logger.info("%s: %s", user, msg)  # expect
    return finish()
""",
        """\
def build_app():
    app = App(token_env="CHAT_TOKEN")

    @app.on("message")
    def on_message(body):
        _seen_users.append(body["user"])  # expect

    return app

_seen_users = []

def lambda_handler(event, context):
    return LambdaAdapter(build_app()).handle(event, context)
""",
    )

    def check(self, ctx):
        for write in state_writes(ctx):
            if not request_data_stored(ctx, write) or memo_store(write.site) is not None:
                continue
            if keyed_store(write.site) is not None and write.values and not ctx.taint.derived_at(
                write.site, write.values[0]
            ):
                continue  # per-key state under a request key (``D[chat] = {"step": "done"}``): LAM101's
            if write.kind in ("container", "object-container") and reset_each_invocation(ctx, write):
                continue  # cleared first thing in every invocation: nothing reaches the next request
            where = bound_where(ctx, write)
            if write.kind == "element":
                subject = f"an object held by module-level `{write.name}`{where}"
            else:
                subject = f"module-level `{write.name}`{where}"
            yield self.report(
                write.node,
                f"request data from the event/context is stored in {subject}; "
                "the next invocation in this environment will see it",
                "Keep request data in local variables or a per-invocation object and pass it to the "
                "functions that need it.",
            )
        yield from _environment_leaks(self, ctx)


def _environment_leaks(rule, ctx):
    """Request data written into ``os.environ``: the environment outlives the invocation."""
    for write in environment_writes(ctx):
        if any(ctx.taint.derived_at(write.site, v) for v in write.values):
            yield rule.report(
                write.node,
                "request data from the event/context is written into the process environment (`os.environ`); "
                "it outlives the invocation, and later invocations, child processes and SDK clients read it",
                "Pass the value explicitly, or give a child process a per-call copy "
                "(`subprocess.run(..., env={**os.environ, \"KEY\": value})`).",
            )
