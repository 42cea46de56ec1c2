"""LAM201 module-connection-closed."""
import libcst as cst

from ..analysis.apis import CLOSE_METHODS
from .base import Rule

# A disposed SQLAlchemy engine opens new connections on its next use.
_STILL_USABLE_AFTER = {"dispose": ("sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine")}


class ModuleConnectionClosed(Rule):
    code = "LAM201"
    name = "module-connection-closed"
    summary = "Warm-path code closes a module-level connection, client, session, pool or file"
    what = (
        "Reports warm-path code that closes an object created at module scope (`close`, `disconnect`, "
        "`dispose`, `shutdown`, `quit`, `terminate`, `closeall`, `destroy`), unless the module re-creates "
        "it lazily (a getter that reconnects when it is `None` or closed). Closing it in a SIGTERM or "
        "`atexit` handler is not reported: that code is not on the warm path."
    )
    why = (
        "Module-level objects are created once per execution environment and reused by every warm "
        "invocation. Closing the connection at the end of the handler means the next invocation in the "
        "same environment gets a closed connection (`InterfaceError: connection already closed`), a "
        "shut-down executor (`RuntimeError: cannot schedule new futures after shutdown`) or a closed file."
    )
    example = """\
conn = psycopg2.connect(os.environ["DATABASE_URL"])

def lambda_handler(event, context):
    try:
        return query(conn, event)
    finally:
        conn.close()
"""
    use_instead = """\
_conn = None

def get_conn():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _conn

def lambda_handler(event, context):
    return query(get_conn(), event)
"""
    fix_safety = (
        "The fix removes the close call. It is unsafe: code after it, or a pool that relied on the "
        "close to return connections, may behave differently."
    )
    references = (
        "[Lambda: reuse connections across invocations](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)",
        "[Lambda runtime shutdown phase (SIGTERM)](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown)",
    )
    fixable = "sometimes"
    valid = (
        """\
db = pymysql.connect(host="db")

def _shutdown(signum, frame):
    db.close()

signal.signal(signal.SIGTERM, _shutdown)

def lambda_handler(event, context):
    with db.cursor() as cur:
        cur.execute("SELECT 1")
""",
    )
    invalid = (
        """\
conn = psycopg2.connect(host="db")

def lambda_handler(event, context):
    try:
        return conn.cursor().execute("SELECT 1")
    finally:
        conn.close()  # expect
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.calls:
                func = site.node.func
                if not (isinstance(func, cst.Attribute) and func.attr.value in CLOSE_METHODS):
                    continue
                if not isinstance(func.value, cst.Name):
                    continue
                name = func.value.value
                binding = ctx.module_binding(fn, name)
                if binding is None or binding.kind != "call":
                    continue
                if binding.call in _STILL_USABLE_AFTER.get(func.attr.value, ()):
                    continue
                if _recreated_lazily(ctx, name):
                    continue
                created = f", {binding.call}(...)" if binding.call else ""
                yield self.report(
                    site.node,
                    f"module-level `{name}` (bound on line {ctx.line(binding.anchor)}{created}) is closed with "
                    f"`{func.attr.value}()` on the warm path; the next invocation in this environment will use it closed",
                    f"Keep `{name}` open across invocations; close it only at shutdown (a SIGTERM handler), or "
                    "get it through a getter that reconnects when it is None or closed.",
                )


def _recreated_lazily(ctx, name: str) -> bool:
    return ctx.holders.recreated_lazily(ctx.model, name)
