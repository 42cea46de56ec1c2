"""LAM104 mutable-default-argument."""
from .base import Rule


class MutableDefaultArgument(Rule):
    code = "LAM104"
    name = "mutable-default-argument"
    summary = "A warm-path function has a mutable default argument"
    what = (
        "Reports warm-path functions whose parameters default to a mutable object: `[]`, `{}`, "
        "`set()`, `dict()`, `list()`, `defaultdict(...)`, `deque()` and the like."
    )
    why = (
        "A default value is created once, when the `def` runs at import, and shared by every call. "
        "In Lambda that means shared by every warm invocation of the environment: whatever one "
        "invocation adds to it is still there in the next."
    )
    example = """\
def _dedupe(records, seen=set()):
    return [r for r in records if r["id"] not in seen and not seen.add(r["id"])]
"""
    use_instead = """\
def _dedupe(records, seen=None):
    if seen is None:
        seen = set()
    return [r for r in records if r["id"] not in seen and not seen.add(r["id"])]
"""
    fix_safety = (
        "The fix (default `None`, then `if x is None: x = <default>` at the top of the body) is safe: "
        "callers that pass the argument are unaffected, and callers that rely on the default get a "
        "fresh object, which is what the code means."
    )
    references = (
        "[Python FAQ: why are default values shared between objects?](https://docs.python.org/3/faq/programming.html#why-are-default-values-shared-between-objects)",
    )
    fixable = "sometimes"
    valid = (
        """\
def _select(payload, fields=("id", "email"), tags=None):
    return payload

def lambda_handler(event, context):
    return _select(event)
""",
    )
    invalid = (
        """\
def build_tags(key, tags={}):  # expect
    tags["key"] = key
    return tags

def lambda_handler(event, context):
    return build_tags(event["key"])
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            params = fn.node.params
            for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
                if param.default is None:
                    continue
                kind, container, _ = ctx.model.classify(param.default)
                if kind != "container":
                    continue
                yield self.report(
                    fn.node.name,
                    f"`{fn.name}` has a mutable default `{param.name.value}={_short(param.default)}`, created once "
                    "and shared by every warm invocation",
                    f"Default `{param.name.value}` to None and create the {container} inside the function.",
                )


def _short(node) -> str:
    from ..analysis.names import source_text

    text = source_text(node)
    return text if len(text) <= 30 else text[:27] + "..."

