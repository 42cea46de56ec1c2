"""LAM103 request-data-in-global."""
from ..analysis.environ import environment_writes
from ..analysis.memo import memo_store
from ..analysis.state import bound_line, request_data_stored, state_writes
from .base import Rule


class RequestDataInGlobal(Rule):
    code = "LAM103"
    name = "request-data-in-global"
    summary = "A value derived from the event or context is stored in module-level state"
    what = (
        "Reports warm-path code that stores data derived from the handler's `event` or `context` in "
        "module-level state: rebinding a global, storing into a module-level container, or setting an "
        "attribute of a module-level object or class. Data flow is followed through assignments, "
        "calls and the parameters of helper functions. Using event data only as a cache key is not reported."
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
    )

    def check(self, ctx):
        for write in state_writes(ctx):
            if not request_data_stored(ctx, write) or memo_store(write.site) is not None:
                continue
            line = bound_line(ctx, write)
            where = f" (bound on line {line})" if line else ""
            yield self.report(
                write.node,
                f"request data from the event/context is stored in module-level `{write.name}`{where}; "
                "the next invocation in this environment will see it",
                "Keep request data in local variables or a per-invocation object and pass it to the "
                "functions that need it.",
            )
        yield from _environment_leaks(self, ctx)


def _environment_leaks(rule, ctx):
    """Request data written into ``os.environ``: the environment outlives the invocation."""
    for write in environment_writes(ctx):
        if any(ctx.taint.derived(write.site.function, v) for v in write.values):
            yield rule.report(
                write.node,
                "request data from the event/context is written into the process environment (`os.environ`); "
                "it outlives the invocation, and later invocations, child processes and SDK clients read it",
                "Pass the value explicitly, or give a child process a per-call copy "
                "(`subprocess.run(..., env={**os.environ, \"KEY\": value})`).",
            )
