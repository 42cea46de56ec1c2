"""LAM203 connection-leaked."""
from ..analysis.connections import constructions
from .base import Rule


class ConnectionLeaked(Rule):
    code = "LAM203"
    name = "connection-leaked"
    summary = "A connection or session opened on every invocation is not closed on every path"
    what = (
        "Reports warm-path code that opens a connection or session (database drivers, Redis, MongoDB, "
        "HTTP sessions, engines, pools) on every invocation and does not close it on every path: no "
        "`with` block, no close in `finally`, or an early `return` that skips the close. Besides the "
        "documented constructors, a `connect(...)` of any module whose result is used as a DB-API "
        "connection (`.cursor()`, `.commit()`, `.execute()`) and a third-party class whose name ends in "
        "`Connection` or `ConnectionPool` count as connections. Not reported: closed on every path, or "
        "kept in (or returned to) a module-level holder that reuses it. A connection that is closed on "
        "every path is still built per invocation, which LAM202 reports."
    )
    why = (
        "The execution environment is frozen, not torn down, after the handler returns. Every leaked "
        "connection stays open on the server side until it times out, so a busy function exhausts the "
        "database's connection limit (`too many connections`) and leaks sockets and file descriptors in "
        "the process."
    )
    example = """\
def lambda_handler(event, context):
    conn = pymysql.connect(**DB)
    if not event.get("rows"):
        return {"archived": 0}
    archive(conn, event["rows"])
    conn.close()
"""
    use_instead = """\
db = pymysql.connect(**DB)  # once per environment, reused

def lambda_handler(event, context):
    if not event.get("rows"):
        return {"archived": 0}
    db.ping(reconnect=True)
    archive(db, event["rows"])
"""
    fix_safety = "No automatic fix: where the connection should be closed or kept depends on the code."
    references = (
        "[Lambda best practices: connection reuse](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)",
        "[Using Amazon RDS Proxy with Lambda](https://docs.aws.amazon.com/lambda/latest/dg/configuration-database.html)",
    )
    valid = (
        """\
def lambda_handler(event, context):
    r = redis.Redis(host="cache")  # a per-invocation client (LAM202), closed on every path
    try:
        return r.get(event["key"])
    finally:
        r.close()
""",
    )
    invalid = (
        """\
def lambda_handler(event, context):
    http = requests.Session()  # expect
    return http.get(event["url"], timeout=5).json()
""",
        """\
import acme_warehouse

def lambda_handler(event, context):
    conn = acme_warehouse.connect(host="wh")  # expect
    cur = conn.cursor()
    cur.execute("SELECT 1")
    return cur.fetchone()
""",
        """\
from graphclient.driver import RemoteGraphConnection

def lambda_handler(event, context):
    conn = RemoteGraphConnection("wss://graph", "g")  # expect
    return query(conn, event["vertex"])
""",
    )

    def check(self, ctx):
        for made in constructions(ctx):
            if made.kind != "connection" or made.closed:
                continue
            yield self.report(
                made.site.node,
                f"`{made.name}(...)` opens a connection on every invocation and does not close it on every path",
                "Open it once at module scope and reuse it across invocations; if it must be per "
                "invocation, use `with` or close it in a `finally` block.",
            )
