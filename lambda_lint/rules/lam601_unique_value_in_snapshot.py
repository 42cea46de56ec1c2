"""LAM601 unique-value-in-snapshot."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from .base import Rule

SNAPSTART_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html"
HOOKS_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html"


def value_kind(qualified: Optional[str]) -> Optional[str]:
    """'value', 'generator' or 'seed' for a call whose result (or effect) must differ per environment."""
    if not qualified:
        return None
    if qualified in apis.RANDOM_SEEDERS:
        return "seed"
    if qualified in apis.RANDOM_GENERATORS:
        return "generator"
    if qualified in apis.UNIQUE_VALUE_CALLS:
        return "value"
    if qualified in apis.RANDOM_NOT_VALUES:
        return None
    module, _, function = qualified.rpartition(".")
    if module in apis.RANDOM_MODULES and function and not function[0].isupper():
        return "value"
    return None


class UniqueValueInSnapshot(Rule):
    code = "LAM601"
    name = "unique-value-in-snapshot"
    summary = "A value that must be unique per environment is made at init and shared through the SnapStart snapshot"
    what = (
        "Only for functions whose deployment turns SnapStart on. Reports init code (module level, class "
        "bodies, and what they call) that creates a value meant to differ between execution environments "
        "and keeps it for the warm path: `uuid.uuid1()`/`uuid4()`, `secrets.token_*`/`randbits`/`randbelow`/"
        "`choice`, `os.urandom(...)`, any `random.*` or `numpy.random.*` function, bound (directly or through "
        "expressions) to a module-level or class-level name the warm path reads; a `random.Random()`, "
        "`numpy.random.default_rng()` or `RandomState()` created at init and used on the warm path; and "
        "`random.seed(...)`/`numpy.random.seed(...)` at init when the warm path draws from that module. "
        "Not reported: a name that an `@register_after_restore` hook registered at init rebinds (or a "
        "generator it reseeds), a name the warm path rebinds itself (lazy creation) or a module it reseeds on "
        "the warm path, `random.SystemRandom()`, CSPRNG calls made on the warm path, and values used only "
        "during init."
    )
    why = (
        "With SnapStart, Lambda runs init once per published version, snapshots memory, and resumes every new "
        "execution environment from that snapshot, often many in parallel. A UUID, token or nonce made at "
        "init is then the same in all of them (duplicate idempotency keys and IDs), and a pseudo-random "
        "generator seeded at init produces the same sequence in every environment. AWS: \"If your "
        "initialization code generates unique content that is included in the snapshot, then the content "
        "might not be unique when it is reused across execution environments.\""
    )
    example = """\
import uuid

ENV_ID = str(uuid.uuid4())

def handler(event, context):
    return {"environment": ENV_ID}
"""
    use_instead = """\
import uuid

from snapshot_restore_py import register_after_restore

ENV_ID = str(uuid.uuid4())

@register_after_restore
def _renew_environment_id():
    global ENV_ID
    ENV_ID = str(uuid.uuid4())

def handler(event, context):
    return {"environment": ENV_ID}
"""
    fix_safety = (
        "Where the init-time statement binds one module-level name (or is a bare `seed(...)` call), the fix "
        "re-creates the value after every restore: an `@register_after_restore` hook that rebinds the name "
        "with the same expression, `register_after_restore(name.seed)` for a `random.Random`/`RandomState`, "
        "or `register_after_restore(random.seed)`; it imports `register_after_restore` when needed. It is "
        "unsafe: what init already derived from the old value keeps it, and the hook runs on every restore."
    )
    references = (
        f"[Handling uniqueness with Lambda SnapStart]({SNAPSTART_DOCS})",
        f"[Lambda SnapStart runtime hooks for Python]({HOOKS_DOCS})",
    )
    fixable = "sometimes"
    valid = (
        """\
import uuid

_env_id = None

def handler(event, context):
    global _env_id
    if _env_id is None:
        _env_id = str(uuid.uuid4())
    return {"environment": _env_id, "request": str(uuid.uuid4())}
""",
        """\
import random

from snapshot_restore_py import register_after_restore

_sampler = random.Random()
_tokens = random.SystemRandom()

@register_after_restore
def _reseed():
    _sampler.seed()

def handler(event, context):
    return {"sample": _sampler.random(), "ticket": _tokens.randrange(10**6)}
""",
        """\
import random
import time

random.seed(time.time_ns())

def handler(event, context):
    random.seed()
    return {"pick": random.choice(event["items"])}
""",
    )
    invalid = (
        """\
import secrets
import uuid

ENV_ID = str(uuid.uuid4())  # expect
_PREFIX = secrets.token_hex(8)  # expect
_BOOT = uuid.uuid4()
print("init run", _BOOT)

def handler(event, context):
    return {"environment": ENV_ID, "key": f"{_PREFIX}-{event['id']}"}
""",
        """\
import random
import time

random.seed(time.time())  # expect
_picker = random.Random()  # expect

def handler(event, context):
    return {"coupon": random.randint(1000, 9999), "winner": _picker.choice(event["entries"])}
""",
    )

    def check(self, ctx):
        init = ctx.analysis.init_code
        if not init.active:
            return
        for site in init.init_calls(ctx.model):
            qualified = ctx.qualify(site.node.func)
            kind = value_kind(qualified)
            if kind == "seed":
                report = self._seed(ctx, init, site, qualified)
            elif kind is not None:
                report = self._kept_value(ctx, init, site, qualified, kind)
            else:
                report = None
            if report is not None:
                yield report

    def _kept_value(self, ctx, init, site, qualified: str, kind: str):
        call = site.node
        reseed = {"seed"} if kind == "generator" else set()
        for ref in sorted(init.bound_names(site), key=lambda r: (r.path != ctx.model.path, r.shown)):
            if not init.warm_reads(ref):
                continue
            if init.recreated_after_restore(ref, reseed) or init.recreated_on_warm_path(ref, reseed):
                continue
            if kind == "generator":
                return self.report(
                    call,
                    f"`{qualified}()` is created at init and kept in `{ref.shown}`: every environment resumed "
                    "from the SnapStart snapshot draws the same sequence from it",
                    f"Reseed `{ref.shown}` in an @register_after_restore hook (`{ref.shown}.seed()`), or use "
                    "random.SystemRandom() for values that must not repeat.",
                )
            return self.report(
                call,
                f"`{qualified}(...)` runs at init and its value is kept in `{ref.shown}`, which the warm path "
                "reads: every environment resumed from the SnapStart snapshot shares it",
                f"Re-create `{ref.shown}` in an @register_after_restore hook, or create it on the warm path "
                "(lazily, when it is None).",
            )
        return None

    def _seed(self, ctx, init, site, qualified: str):
        module = qualified.rpartition(".")[0]
        draws = [s for fn in init.warm for s in fn.calls
                 if _draws_from(fn.module.qualify(s.node.func), module)]
        if not draws:
            return None
        seeders = {f"{module}.seed"}
        if init.reseeded_after_restore(seeders) or init.calls_in(init.warm, seeders):
            return None
        return self.report(
            site.node,
            f"`{qualified}(...)` at init puts the state of `{module}` in the SnapStart snapshot: every resumed "
            f"environment draws the same `{module}` sequence on the warm path",
            f"Reseed in an @register_after_restore hook (`{module}.seed()`), or seed on the warm path before "
            "drawing.",
        )


def _draws_from(qualified: Optional[str], module: str) -> bool:
    if not qualified or not qualified.startswith(module + "."):
        return False
    rest = qualified[len(module) + 1:]
    if "." in rest or not rest or rest[0].isupper():
        return False  # random.Random(...).x, SystemRandom: their own state
    return f"{module}.{rest}" not in apis.RANDOM_SEEDERS | apis.RANDOM_NOT_VALUES | apis.RANDOM_GENERATORS


__all__ = ["UniqueValueInSnapshot", "value_kind", "cst"]
