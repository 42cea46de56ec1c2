"""LAM202 client-per-invocation."""
from ..analysis.connections import constructions
from ..analysis.event_loops import fresh_loop_functions, loop_bound_constructors
from .base import Rule


class ClientPerInvocation(Rule):
    code = "LAM202"
    name = "client-per-invocation"
    summary = "Warm-path code constructs an SDK client, connection, session, pool or engine on every invocation"
    what = (
        "Reports warm-path code that builds a boto3 client/resource/session, a database connection, a "
        "Redis/Mongo client, an HTTP session, a pool or an engine on every invocation. Not reported: "
        "construction at module scope, inside a memoised factory (`functools.cache`), or under a "
        "lazy-initialisation guard (`if _client is None:`). The known constructors are a documented "
        "list (`lambda_lint/apis.py`) that `extend-clients` in the configuration extends."
    )
    why = (
        "Creating a client costs tens to hundreds of milliseconds (credential resolution, endpoint "
        "discovery, TLS handshakes) on every warm invocation, and database connections count against "
        "the server's connection limit. Lambda keeps module-level objects between invocations precisely "
        "so that they can be reused."
    )
    example = """\
def lambda_handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=event["body"])
"""
    use_instead = """\
sqs = boto3.client("sqs")

def lambda_handler(event, context):
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=event["body"])
"""
    fix_safety = (
        "Where every argument is a literal, a module-level constant or an `os.environ` read, the fix "
        "hoists the constructor to a module-level binding. It is unsafe: construction moves to import "
        "time (cold start), and errors raised by the constructor surface at import."
    )
    references = (
        "[Lambda best practices: initialize SDK clients outside the handler](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)",
        "[Boto3: clients are thread safe and meant to be reused](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)",
    )
    fixable = "sometimes"
    valid = (
        """\
s3 = boto3.client("s3")

@functools.cache
def table():
    return boto3.resource("dynamodb").Table("orders")

def lambda_handler(event, context):
    return s3.list_buckets(), table().scan()
""",
    )
    invalid = (
        """\
def lambda_handler(event, context):
    sqs = boto3.client("sqs")  # expect
    sqs.send_message(QueueUrl="q", MessageBody="m")
""",
    )

    def check(self, ctx):
        for made in constructions(ctx):
            if _serves_one_loop(ctx, made):
                continue
            what = "SDK client" if made.kind == "sdk" else "connection"
            yield self.report(
                made.site.node,
                f"`{made.name}(...)` builds a new {what} on every invocation",
                "Create it once at module scope (or in a functools.cache factory / behind an "
                "`if _client is None:` guard) and reuse it; if it depends on request data, keep a small "
                "keyed, bounded cache of clients.",
            )


def _serves_one_loop(ctx, made) -> bool:
    """A loop-bound client built inside a coroutine that runs on a new loop every invocation cannot be
    reused by the next invocation (LAM204's side of the catalog): building it there is right."""
    return made.name in loop_bound_constructors(ctx) and made.site.function in fresh_loop_functions(ctx)
