"""LAM202 client-per-invocation."""
from ..analysis.connections import constructions
from ..analysis.event_loops import fresh_loop_functions, loop_bound_constructors
from .base import Rule


class ClientPerInvocation(Rule):
    code = "LAM202"
    name = "client-per-invocation"
    summary = "Warm-path code constructs an SDK client, connection, session, pool or engine on every invocation"
    what = (
        "Reports warm-path code that builds a boto3 client/resource, a botocore session, a database "
        "connection, a Redis/Mongo client, an HTTP session, a pool or an engine on every invocation. Not "
        "reported: construction at module scope; inside a memoised factory (`functools.cache`); in "
        "one-time code: under a lazy-initialisation guard (`if _client is None:`, `if not _conn or "
        "_conn.closed:`, a staleness test, a first-call flag), including a client used inline in the "
        "one-time block (`if _key is None: _key = boto3.client(...).get_secret_value(...)`), a factory or "
        "setter only called from such a block, and the constructor of an object that is itself created "
        "lazily (`if _repo is None: _repo = OrdersRepository()`). A getter stops counting as lazy when the "
        "warm path closes or resets what it holds on every invocation (`conn = db()` ... `finally: "
        "conn.close()`): it then reconnects every time, and the constructor is reported. A guard on a "
        "parameter or local that only shadows the module-level name is not a lazy guard. A bare "
        "`boto3.Session()` that builds no client is not reported; a client built from a per-invocation "
        "session is, at the `session.client(...)` call. The known constructors are a documented list "
        "(`lambda_lint/analysis/apis.py`) that `extend-clients` in the configuration extends; a third-party "
        "class named `*Connection`/`*ConnectionPool` and a `connect(...)` whose result is used as a DB-API "
        "connection count too. A loop-bound client (`aiohttp.ClientSession`, `httpx.AsyncClient`, "
        "`redis.asyncio`, motor, asyncpg) built inside a coroutine that the warm path runs on a new event "
        "loop every invocation is not reported: it cannot serve the next loop (LAM204's side; still LAM203 "
        "when it is not closed)."
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
        """\
_signing_key = None

def signing_key():
    global _signing_key
    if _signing_key is None:
        blob = boto3.client("secretsmanager").get_secret_value(SecretId="signer")["SecretString"]
        _signing_key = blob.encode()
    return _signing_key

def lambda_handler(event, context):
    return len(signing_key())
""",
        """\
class OrdersRepository:
    def __init__(self):
        self.table = boto3.resource("dynamodb").Table("orders")

_repo = None

def repository():
    global _repo
    if _repo is None:
        _repo = OrdersRepository()
    return _repo

def lambda_handler(event, context):
    return repository().table.get_item(Key={"id": event["id"]})
""",
        """\
def lambda_handler(event, context):
    return {"region": boto3.session.Session().region_name}
""",
    )
    invalid = (
        """\
def lambda_handler(event, context):
    sqs = boto3.client("sqs")  # expect
    sqs.send_message(QueueUrl="q", MessageBody="m")
""",
        """\
def table_for(name, ddb):
    if not ddb:
        ddb = boto3.resource("dynamodb")  # expect
    return ddb.Table(name)

def lambda_handler(event, context):
    return table_for("orders", None).get_item(Key={"id": event["id"]})
""",
        """\
_db = None

def db():
    global _db
    if _db is None or not _db.open:
        _db = pymysql.connect(host="db")  # expect
    return _db

def lambda_handler(event, context):
    conn = db()
    try:
        return conn.cursor().execute("SELECT 1")
    finally:
        conn.close()
""",
        """\
def lambda_handler(event, context):
    session = boto3.session.Session()
    secrets = session.client("secretsmanager")  # expect
    return secrets.get_secret_value(SecretId="s")["SecretString"]
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
