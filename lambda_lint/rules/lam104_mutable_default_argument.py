"""LAM104 mutable-default-argument."""
from typing import Optional

import libcst as cst

from ..analysis.flow import value_use
from ..analysis.model import Function, store_targets
from .base import Rule


class MutableDefaultArgument(Rule):
    code = "LAM104"
    name = "mutable-default-argument"
    summary = "A warm-path function has a mutable default argument"
    what = (
        "Reports warm-path functions whose parameters default to a mutable object (`[]`, `{}`, `set()`, "
        "`dict()`, `list()`, `defaultdict(...)`, `deque()` and the like) when the function mutates the "
        "default (`append`, `x[k] = v`, `x += ...`, also in a project function it hands it to), stores it "
        "somewhere that outlives the call (an attribute, a module-level name or another container), or "
        "returns it. Not reported: an immutable or `None` default; a default the function only reads "
        "(`def render(text, buttons=[[]]): return json.dumps(buttons)`); a parameter the function rebinds, "
        "which the analysis does not follow in program order and leaves alone."
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
        """\
def render(text, buttons=[[]]):
    return json.dumps({"text": text, "reply_markup": {"inline_keyboard": buttons}})

def lambda_handler(event, context):
    return {"statusCode": 200, "body": render("pong")}
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
        """\
def _remember(item, seen=[]):  # expect
    _note(seen, item)
    return len(seen)

def _note(bucket, item):
    bucket.append(item)

def lambda_handler(event, context):
    return _remember(event["id"])
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
                if not default_escapes(ctx, fn, param.name.value):
                    continue  # only read: the shared default never changes
                yield self.report(
                    fn.node.name,
                    f"`{fn.name}` has a mutable default `{param.name.value}={_short(param.default)}`, created once "
                    "and shared by every warm invocation",
                    f"Default `{param.name.value}` to None and create the {container} inside the function.",
                )


_MUTATING_METHODS = frozenset({
    "append", "appendleft", "extend", "extendleft", "insert", "add", "update", "setdefault", "pop", "popleft",
    "popitem", "remove", "discard", "clear", "sort", "reverse", "rotate", "difference_update",
    "intersection_update", "symmetric_difference_update", "__setitem__", "__delitem__",
})


def default_escapes(ctx, fn: Function, name: str, depth: int = 0) -> bool:
    """The parameter's value is mutated, stored where it outlives the call, or returned (in ``fn``,
    in functions nested in it, or, one level down, in a project function it is handed to)."""
    if _rebound(fn, name):
        return False
    for scope in [fn] + _nested_reading(fn, name):
        for use in scope.names.get(name, ()):
            if _escapes(ctx, scope, use, depth):
                return True
    return False


def _alias_escapes(ctx, fn: Function, alias: str, depth: int, seen: set) -> bool:
    if alias in seen or _assigned_more_than_once(fn, alias):
        return False
    seen.add(alias)
    return any(_escapes(ctx, fn, use, depth, seen) for use in fn.names.get(alias, ()) if not _is_store(use))


def _container_leaves(fn: Function, name: str, seen: set) -> bool:
    """The local holding a new container is returned, or stored somewhere that outlives the call."""
    if name in seen:
        return False
    seen.add(name)
    for use in fn.names.get(name, ()):
        if _is_store(use):
            continue
        kind, node = value_use(use)
        if kind == "returned":
            return True
        if kind == "assigned":
            targets = _targets(node)
            if any(not isinstance(t, cst.Name) or t.value in fn.global_names for t in targets):
                return True
            if any(_container_leaves(fn, t.value, seen) for t in targets if isinstance(t, cst.Name)):
                return True
    return False


def _is_store(use) -> bool:
    parent = use.parent
    return (isinstance(parent, cst.AssignTarget) and parent.target is use.node) or (
        isinstance(parent, cst.AnnAssign) and parent.target is use.node
    )


def _assigned_more_than_once(fn: Function, name: str) -> bool:
    count = 0
    for site in fn.stores:
        if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
            count += 1
    return count > 1


def _escapes(ctx, fn: Function, use, depth: int, seen: Optional[set] = None) -> bool:
    seen = set() if seen is None else seen
    kind, node = value_use(use)
    parent = use.parent
    if isinstance(parent, cst.Attribute) and parent.value is use.node:
        return kind == "method" and parent.attr.value in _MUTATING_METHODS  # x.append(...)
    if isinstance(parent, cst.Subscript) and parent.value is use.node:
        # x[k] = v, x[k][j] = v, x[k] += v, del x[k]
        node, chain = use.node, list(use.ancestors)
        while chain and isinstance(chain[-1], cst.Subscript) and chain[-1].value is node:
            node = chain.pop()
        outer = chain[-1] if chain else None
        return (isinstance(outer, cst.AssignTarget) and outer.target is node) or (
            isinstance(outer, (cst.AugAssign, cst.Del)) and outer.target is node
        )
    if isinstance(parent, cst.AugAssign) and parent.target is use.node:
        return True  # x += [...] extends the list in place
    if kind == "returned":
        return True
    if kind == "assigned":
        targets = _targets(node)
        if any(not isinstance(t, cst.Name) or t.value in fn.global_names for t in targets):
            return True
        if isinstance(node, (cst.Assign, cst.AnnAssign)) and node.value is use.node:
            # an alias: whatever happens to it happens to the default
            return any(_alias_escapes(ctx, fn, t.value, depth, seen) for t in targets)
        # inside a new container (``item = {"pk": k, **extra}``): the default's contents leave the call
        # when that container is returned or stored
        return any(_container_leaves(fn, t.value, seen) for t in targets)
    if kind == "argument":
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATING_METHODS:
            return True  # kept in another container: other.append(x)
        if depth < 1:
            target = ctx.project.called_function(fn, func)
            if target is not None and target is not fn:
                param = _parameter_for(target, node, use.node)
                return param is not None and default_escapes(ctx, target, param, depth + 1)
    return False


def _targets(node) -> list:
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
        return [node.target]
    return []


def _parameter_for(target: Function, call: cst.Call, value) -> Optional[str]:
    params = list(target.params)
    if target.cls is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.value is value:
                return arg.keyword.value
            continue
        if arg.value is value:
            return params[position] if position < len(params) else None
        position += 1
    return None


def _rebound(fn: Function, name: str) -> bool:
    for site in fn.stores:
        node = site.node
        if isinstance(node, cst.AugAssign):
            continue
        if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(node)):
            return True
    return False


def _nested_reading(fn: Function, name: str) -> list:
    out = []
    for inner in fn.nested.values():
        if name in inner.params or _rebound(inner, name):
            continue
        out.append(inner)
        out.extend(_nested_reading(inner, name))
    return out


def _short(node) -> str:
    from ..analysis.names import source_text

    text = source_text(node)
    return text if len(text) <= 30 else text[:27] + "..."

