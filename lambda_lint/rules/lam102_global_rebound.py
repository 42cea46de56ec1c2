"""LAM102 global-rebound."""
import libcst as cst

from ..analysis.flow import guarded_by_name, top_statement
from ..analysis.names import is_literal
from ..analysis.state import bound_line, state_writes
from .base import Rule


class GlobalRebound(Rule):
    code = "LAM102"
    name = "global-rebound"
    summary = "Warm-path code rebinds a module-level name through `global`"
    what = (
        "Reports `global` names that warm-path code rebinds (`counter += 1`, `last = ...`), except "
        "the lazy-initialisation idiom, where the assignment only runs while the value is missing "
        "(`if _client is None: _client = ...`)."
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
    )
    invalid = (
        """\
last_invoked_at = None

def lambda_handler(event, context):
    global last_invoked_at
    last_invoked_at = time.time()  # expect
""",
    )

    def check(self, ctx):
        lazy = _lazily_initialised(ctx)
        for write in state_writes(ctx):
            if write.kind != "global":
                continue
            if guarded_by_name(write.site, write.name):
                continue
            value = write.values[0]
            if write.name in lazy and isinstance(value, cst.Name) and value.value == "None":
                continue  # dropping a lazily created object so that the getter re-creates it
            if _resets_at_start(ctx, write):
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


def _lazily_initialised(ctx) -> set:
    names = set()
    for write in state_writes(ctx):
        if write.kind == "global" and guarded_by_name(write.site, write.name):
            names.add(write.name)
    return names


def _resets_at_start(ctx, write) -> bool:
    """``global buf; buf = []`` among a handler's first statements resets the value per invocation."""
    fn = write.site.function
    if not any(h.target is fn for h in ctx.project.handlers) or write.augmented:
        return False
    value = write.values[0]
    fresh = is_literal(value) or isinstance(value, (cst.List, cst.Dict, cst.Set)) and not getattr(value, "elements", None)
    if not fresh:
        return False
    top = top_statement(write.site)
    for stmt in fn.body_statements:
        if stmt is top:
            return isinstance(stmt, cst.SimpleStatementLine)
        if not _is_setup_statement(stmt):
            return False
    return False


def _is_setup_statement(stmt) -> bool:
    """A docstring, a ``global`` declaration, or an assignment of a fresh literal."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Global):
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
            continue
        if isinstance(small, cst.Assign) and (is_literal(small.value) or isinstance(small.value, (cst.List, cst.Dict, cst.Set))):
            continue
        return False
    return True
