"""LAM101 mutable-global-mutated."""
from ..analysis.flow import filled_once
from ..analysis.memo import memo_store
from ..analysis.state import bound_where, fixed_keys_only, reset_each_invocation, state_writes
from .base import Rule


class MutableGlobalMutated(Rule):
    code = "LAM101"
    name = "mutable-global-mutated"
    summary = "Warm-path code mutates a module-level list, dict, set or other container"
    what = (
        "Reports warm-path code that grows or changes a module-level `list`, `dict`, `set`, "
        "`bytearray`, `deque`, `defaultdict`, `OrderedDict` or `Counter` in place (`append`, "
        "`extend`, `insert`, `add`, `update`, `setdefault`, `x[k] = v`, `x[k] += v`, `del x[k]`, `x += ...`). "
        "Module-level state is also reached indirectly: a container imported from another project module "
        "(`from state import sessions`), a plain alias (`headers = HEADERS`, then `headers[k] = v`), and a "
        "container held as an attribute of a module-level object (`tally = Tally()`, then `tally.seen.append(x)` "
        "or `self.seen.append(x)` in its methods, when the class is never instantiated inside a function and "
        "no method but `__init__` empties or replaces that attribute: an object that flushes and resets its "
        "own buffer manages its lifetime, which cannot be followed). "
        "Not reported: a container only mutated at module scope; one cleared as the handler's first statement "
        "(`_batch.clear()`), which resets it every invocation; a recognised cache (a memo is LAM401's, a "
        "mapping filled once while empty is bounded); a store under a literal key of a value that does not "
        "come from the request (`HEADERS[\"X-Api-Key\"] = os.environ[...]`, `.update({\"X-Sent-At\": now})`, "
        "`.setdefault(\"k\", v)`): the container neither grows nor carries request data (`x[\"n\"] += 1` still "
        "accumulates and is reported); request data stored anywhere (that is LAM103); class-body attributes "
        "(LAM105's). Objects taken out of a module-level registry (`exporter = EXPORTERS[fmt]`) are only "
        "reported when request data is stored into them (LAM103): a registry's entries are often records "
        "meant to be updated, which cannot be told apart from leaks."
    )
    why = (
        "Lambda imports the module once per execution environment and then reuses it for every "
        "warm invocation. A module-level container that the handler appends to keeps everything from "
        "earlier invocations: it grows until the environment runs out of memory, and data from one "
        "request shows up in the next one."
    )
    example = """\
_samples = []

def lambda_handler(event, context):
    started = time.perf_counter()
    process(event)
    _samples.append(time.perf_counter() - started)
"""
    use_instead = """\
def lambda_handler(event, context):
    samples = []
    started = time.perf_counter()
    process(event)
    samples.append(time.perf_counter() - started)
"""
    fix_safety = (
        "No automatic fix: whether the data should live per invocation, be cleared first thing, or "
        "become a bounded cache is a design decision."
    )
    references = (
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
        "[Best practices: take advantage of execution environment reuse](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)",
    )
    valid = (
        """\
_timings = []

def lambda_handler(event, context):
    _timings.clear()
    _timings.append(1)
    return len(_timings)
""",
        """\
INDEX = {}
for code in ("DE", "FR"):
    INDEX[code] = code.lower()

def lambda_handler(event, context):
    results = []
    results.append(INDEX.get(event["code"]))
    return results
""",
    )
    valid = valid + (
        """\
_jwks = {}

def _keys():
    if "keys" in _jwks:
        return _jwks
    _jwks.update(fetch_jwks())
    return _jwks

def lambda_handler(event, context):
    return _keys()
""",
    )
    valid = valid + (
        """\
import os
import time

_partner_headers = {"Accept": "application/json"}

def lambda_handler(event, context):
    _partner_headers["X-Api-Key"] = os.environ["PARTNER_KEY"]
    _partner_headers.update({"X-Sent-At": str(int(time.time()))})
    return call_partner(_partner_headers)
""",
        """\
class Tally:
    def __init__(self):
        self.seen = []

    def note(self, item):
        self.seen.append(item)

def lambda_handler(event, context):
    tally = Tally()
    tally.note("start")
    return len(tally.seen)
""",
    )
    invalid = (
        """\
_stats = {"invocations": 0}

def lambda_handler(event, context):
    _stats["invocations"] += 1  # expect
    return _stats
""",
        """\
HEADERS = {"Accept": "application/json"}

def lambda_handler(event, context):
    headers = HEADERS
    headers.update(tracing_headers())  # expect
    return headers
""",
        """\
class Tally:
    def __init__(self):
        self.seen = []

    def note(self, item):
        self.seen.append(item)  # expect

tally = Tally()

def lambda_handler(event, context):
    tally.note("invocation")
    return len(tally.seen)
""",
    )

    def check(self, ctx):
        for write in state_writes(ctx):
            if write.kind not in ("container", "object-container") or write.binding is None:
                continue
            if reset_each_invocation(ctx, write) or memo_store(write.site) is not None:
                continue
            if fixed_keys_only(ctx, write):
                continue  # x["k"] = config: the container neither grows nor carries request data
            container = write.binding.container if write.kind == "container" else "container"
            if container != "set" and filled_once(write.site, write.name):
                continue  # a mapping or list filled once, lazily: a bounded cache (a set "seen" flag stays LAM101)
            where = bound_where(ctx, write)
            if write.kind == "object-container":
                owner = write.name.split(".")[0]
                subject = f"`{write.name}`, a container held by module-level `{owner}`{where},"
            else:
                subject = f"module-level {container} `{write.name}`{where}"
            yield self.report(
                write.node,
                f"{subject} is mutated on the warm path, so it keeps what earlier invocations put in it",
                f"Build `{write.name}` inside the handler, or clear it as the handler's first statement; "
                "if it is a cache, give it a bound (cachetools.LRUCache/TTLCache).",
            )
