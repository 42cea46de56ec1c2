"""LAM107 clock-frozen-at-import."""
from ..analysis.clocks import clock_uses
from .base import Rule


class ClockFrozenAtImport(Rule):
    code = "LAM107"
    name = "clock-frozen-at-import"
    summary = "A wall-clock reading taken once per environment is used on the warm path as the current time"
    what = (
        "Reports a wall-clock reading (`datetime.now()`/`utcnow()`/`today()`, `date.today()`, "
        "`time.time()`/`time_ns()`/`localtime()`/`gmtime()`/`ctime()`, `time.strftime(fmt)` without a "
        "time) that is taken once per execution environment and used as \"now\" on the warm path: "
        "(a) a module-level name (or a class attribute read as `Class.NAME`) computed at import from such "
        "a reading, directly or through arithmetic, attributes, method calls and f-strings, reported at "
        "each warm-path statement that reads it; (b) such a reading in a default argument of a warm-path "
        "function, reported at the `def` (not when every call the analysis finds passes that argument); (c) such a reading as the default of a dataclass/attrs field of a "
        "class the warm path instantiates, reported at the field.\n\n"
        "Not reported: names that say they are an initialisation time (a word of the name is `start`, "
        "`started`, `init`, `boot`, `booted`, `cold`, `loaded`, `import`, `imported`, `launch` or "
        "`launched`: `COLD_START_AT`, `INIT_TS`); age or expiry arithmetic against a fresh reading "
        "(`time.time() - T0`, `datetime.now(tz) > DEADLINE`); names the warm path rebinds; monotonic "
        "clocks (`monotonic`, `perf_counter`, `process_time`); `None` defaults filled in the body and "
        "`field(default_factory=...)`; values that are not clock readings (`datetime(1970, 1, 1)`)."
    )
    why = (
        "Module-level code and default values run once, at the cold start. Every warm invocation after "
        "that, possibly hours or days later, sees the cold start's time: reports cover the wrong day, "
        "retention cut-offs stop moving, and tokens are signed with an `iat`/`exp` in the past."
    )
    example = """\
import time

NOW = int(time.time())

def lambda_handler(event, context):
    return {"iat": NOW, "exp": NOW + 600}
"""
    use_instead = """\
import time

def lambda_handler(event, context):
    now = int(time.time())
    return {"iat": now, "exp": now + 600}
"""
    fix_safety = (
        "For a default argument, the fix makes the default `None` and computes the reading in the body "
        "(`if end is None: end = datetime.utcnow()`). It is unsafe: a caller that passes `None` on purpose "
        "now gets the current time. Module-level names and dataclass fields have no automatic fix."
    )
    references = (
        "[Python: default values are evaluated once, when the function is defined](https://docs.python.org/3/reference/compound_stmts.html#function-definitions)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    fixable = "sometimes"
    valid = (
        """\
import time
from datetime import datetime, timezone

COLD_START_AT = time.time()
_loaded = time.monotonic()

def window(end=None):
    end = end or datetime.now(timezone.utc)
    return end

def lambda_handler(event, context):
    return {"age": time.time() - COLD_START_AT, "up": time.monotonic() - _loaded, "end": window()}
""",
    )
    invalid = (
        """\
from dataclasses import dataclass
from datetime import date, datetime

TODAY = date.today().isoformat()

@dataclass
class Job:
    name: str
    queued_at: datetime = datetime.utcnow()  # expect

def run(job, end=datetime.utcnow()):  # expect
    return end

def lambda_handler(event, context):
    key = f"reports/{TODAY}/{context.aws_request_id}.json"  # expect
    return run(Job(event["name"]))
""",
    )

    def check(self, ctx):
        for use in clock_uses(ctx):
            if use.kind == "read":
                clock = use.clock
                where = f"bound in `{clock.module}` on line {clock.line}" if clock.module else f"bound on line {clock.line}"
                yield self.report(
                    use.node,
                    f"`{clock.name}` ({where}) holds the clock reading taken at import; "
                    "every warm invocation sees the cold start's time",
                    "Read the clock inside the invocation (`datetime.now(timezone.utc)`), or rename it if it "
                    "really is the environment's start time (`COLD_START_AT`).",
                )
            elif use.kind == "default":
                yield self.report(
                    use.node,
                    f"the default of `{use.detail}` reads the clock once, when the function is defined; "
                    "every warm invocation that relies on it gets the cold start's time",
                    f"Default `{use.detail}` to None and read the clock in the body.",
                )
            else:
                yield self.report(
                    use.node,
                    f"the default of field `{use.detail}` reads the clock once, when the class is created; "
                    "every instance built on a warm invocation gets the cold start's time",
                    "Use `field(default_factory=...)` (e.g. `default_factory=lambda: datetime.now(timezone.utc)`).",
                )
