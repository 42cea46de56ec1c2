"""LAM106 registration-per-invocation."""
from ..analysis.registrations import registrations
from .base import Rule


class RegistrationPerInvocation(Rule):
    code = "LAM106"
    name = "registration-per-invocation"
    summary = "Warm-path code adds an entry to a process-wide registry on every invocation"
    what = (
        "Reports warm-path calls that **add** to a registry the process keeps: `addHandler`/`addFilter` "
        "on a `logging` logger (any `logging.getLogger(...)` result, also one obtained inside the "
        "invocation, because `getLogger` returns the registered singleton), loguru `logger.add(...)`, "
        "`atexit.register(...)`, a `signal.signal(...)` whose handler calls the one it replaces, and the "
        "handler, middleware and route methods of module-level framework objects (python-telegram-bot "
        "`add_handler`, FastAPI/Starlette `add_middleware`/`include_router`, Flask `register_blueprint`, "
        "aiogram `include_router`/`<observer>.register`, Slack Bolt `use`/`middleware`), plus route and "
        "listener decorators (`@app.command(...)`, `@app.get(...)`) applied to a function defined inside a "
        "warm-path function. Only receivers whose type is known through imports count; the documented "
        "list (`lambda_lint/analysis/apis.py`) is extended with `extend-registries`.\n\n"
        "Not reported: registrations at module scope or in functions only module-level code calls; "
        "registrations guarded by a test of the registry (`if not logger.handlers:`) or by a first-call "
        "flag; registrations undone on every path (`removeHandler` or loguru `remove(sink_id)` in "
        "`finally`); a registry reset just before (`logger.handlers.clear()`, loguru `logger.remove()`); "
        "receivers created in the same invocation; APIs that replace rather than add (`basicConfig`, "
        "`dictConfig`, loguru `configure`, a non-chaining `signal.signal`, `add_error_handler`, "
        "`add_exception_handler`)."
    )
    why = (
        "The registry outlives the invocation, so every warm invocation adds one more entry: log lines "
        "are written N times, exit callbacks pile up, handler and middleware lists grow, and listeners "
        "keep closing over an earlier invocation's data. The Lambda runtime always installs a handler on "
        "the root logger, so logging set up per invocation behaves differently than it does locally."
    )
    example = """\
import logging, sys

logger = logging.getLogger("orders")

def lambda_handler(event, context):
    logger.addHandler(logging.StreamHandler(sys.stdout))
    logger.info("order %s", event["id"])
"""
    use_instead = """\
import logging, sys

logger = logging.getLogger("orders")
logger.addHandler(logging.StreamHandler(sys.stdout))

def lambda_handler(event, context):
    logger.info("order %s", event["id"])
"""
    fix_safety = (
        "When the registration is a statement of its own in the function body, its receiver is a "
        "module-level object (or `atexit`), and its arguments use only literals, imports and module-level "
        "names, the fix moves it to module scope after the last binding it uses. It is unsafe: the "
        "registration now happens at import time, once, before any invocation."
    )
    references = (
        "[Python logging: loggers are singletons](https://docs.python.org/3/library/logging.html#logger-objects)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
        "[loguru: logger.add returns an id to remove the sink](https://loguru.readthedocs.io/en/stable/api/logger.html#loguru._logger.Logger.add)",
    )
    fixable = "sometimes"
    valid = (
        """\
import logging, sys

logger = logging.getLogger("orders")
logger.addHandler(logging.StreamHandler(sys.stdout))

def lambda_handler(event, context):
    logging.basicConfig(level=logging.INFO, force=True)
    audit = logging.getLogger("audit")
    if not audit.handlers:
        audit.addHandler(logging.StreamHandler(sys.stderr))
    logger.info("order %s", event["id"])
""",
        """\
from slack_bolt import App

def lambda_handler(event, context):
    app = App(token="t")

    @app.command("/ping")
    def ping(ack):
        ack()

    return app
""",
    )
    invalid = (
        """\
import atexit
import logging
from loguru import logger as log

logger = logging.getLogger("orders")

def _flush():
    log.complete()

def lambda_handler(event, context):
    logger.addHandler(logging.StreamHandler())  # expect
    log.add(_flush, level="ERROR")  # expect
    atexit.register(_flush)  # expect
    logging.getLogger("botocore").addFilter(logging.Filter("x"))  # expect
""",
        """\
from fastapi import FastAPI
from routes import router

app = FastAPI()

def handler(event, context):
    app.include_router(router)  # expect

    @app.get("/health")  # expect
    def health():
        return {"ok": True}
""",
    )

    def check(self, ctx):
        for reg in registrations(ctx):
            where = f" (bound on line {reg.bound_line})" if reg.bound_line else ""
            if reg.decorator:
                message = (f"`{reg.call}` registers a new function in {reg.registry}{where} on every invocation; "
                           "every warm invocation adds one more listener")
                suggestion = ("Define the function at module scope and decorate it there, or build the "
                              "framework object inside the invocation.")
            else:
                message = (f"`{reg.call}(...)` adds to {reg.registry}{where} on every invocation; "
                           "every warm invocation adds one more")
                guard = "`if not logger.handlers:`" if "logger" in reg.registry else "a first-call flag"
                suggestion = (f"Register once at module scope, or guard it ({guard}), or undo it in `finally`.")
            yield self.report(reg.node, message, suggestion)
