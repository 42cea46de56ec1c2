"""LAM401 unbounded-dict-cache."""
import libcst as cst

from ..analysis.memo import MEMO_MAPPINGS, evicts, evicts_attribute, memo_store, rebound
from ..analysis.state import bound_where, state_writes
from ..analysis.names import source_text
from .base import Rule


class UnboundedDictCache(Rule):
    code = "LAM401"
    name = "unbounded-dict-cache"
    summary = "A module-level dict is used as a memo cache that nothing ever evicts"
    what = (
        "Reports the store into a module-level `dict` (or `defaultdict`, `OrderedDict`) that warm-path code "
        "uses as a memo: it looks a key up (`key in cache`, `cache.get(key)`, `cache[key]`) and then stores "
        "under that same key, the keys are not literal constants, and no code of the module ever evicts an "
        "entry (`pop`, `popitem`, `clear`, `del cache[key]`, or rebinding the dict). Not reported: cachetools "
        "caches, literal or module-constant keys (a small fixed set), and dicts that hold SDK clients or "
        "connections per region or account (a client pool). A dict attribute of a module-level object used "
        "the same way is reported too (`book = NameBook()`, then `self._names[user_id] = name` after a "
        "look-up in its methods) unless a method of its class evicts (`pop`, `popitem`, `clear`, `del`, or "
        "rebinding the attribute outside `__init__`). A memo stores when "
        "the look-up missed; a store that updates an entry that was found (a per-user state machine, "
        "`if state.get(\"step\") == ...: D[chat] = {...}`, or a counter, `D[k] = D.get(k, 0) + 1`) is state, "
        "reported by LAM101 or LAM103, not here."
    )
    why = (
        "The module is imported once per execution environment, which then serves thousands of warm "
        "invocations. A memo dict keyed by user ids, SKUs or addresses gains an entry for every new key and "
        "never loses one, so the environment's memory grows until the function is killed for exceeding its "
        "memory limit, and stale data is served for the environment's whole life."
    )
    example = """\
_profiles = {}

def _profile(user_id):
    if user_id in _profiles:
        return _profiles[user_id]
    item = users.get_item(Key={"user_id": user_id}).get("Item", {})
    _profiles[user_id] = item
    return item
"""
    use_instead = """\
from cachetools import TTLCache

_profiles = TTLCache(maxsize=1024, ttl=300)

def _profile(user_id):
    if user_id in _profiles:
        return _profiles[user_id]
    item = users.get_item(Key={"user_id": user_id}).get("Item", {})
    _profiles[user_id] = item
    return item
"""
    fix_safety = (
        "No automatic fix: the right bound (a size limit, a TTL, or both) depends on the data and on the "
        "function's memory size."
    )
    references = (
        "[cachetools: LRUCache and TTLCache](https://cachetools.readthedocs.io/en/stable/)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    valid = (
        """\
import cachetools

_templates = cachetools.LRUCache(maxsize=128)

def template(name):
    if name not in _templates:
        _templates[name] = load(name)
    return _templates[name]

def lambda_handler(event, context):
    return template(event["template"])
""",
        """\
_schemas = {}

def schema(name):
    if name in _schemas:
        return _schemas[name]
    if len(_schemas) >= 32:
        _schemas.clear()
    _schemas[name] = load(name)
    return _schemas[name]

def lambda_handler(event, context):
    return schema(event["type"])
""",
        """\
_settings = {}

def lambda_handler(event, context):
    if "flags" not in _settings:
        _settings["flags"] = load("flags")
    return _settings["flags"]
""",
        """\
_conversation = {}

def lambda_handler(event, context):
    chat = event["chat_id"]
    state = _conversation.get(chat) or {}
    if state.get("step") == "awaiting_name":
        _conversation[chat] = {"step": "done"}  # state (LAM101), not a memo
    return state
""",
    )
    invalid = (
        """\
class NameBook:
    def __init__(self):
        self._names = {}

    def lookup(self, user_id):
        if user_id in self._names:
            return self._names[user_id]
        name = fetch_name(user_id)
        self._names[user_id] = name  # expect
        return name

book = NameBook()

def lambda_handler(event, context):
    return book.lookup(event["user"])
""",
        """\
_rates = {}

def rate(base, quote):
    key = (base, quote)
    cached = _rates.get(key)
    if cached is None:
        cached = fetch_rate(base, quote)
        _rates[key] = cached  # expect
    return cached

def lambda_handler(event, context):
    return rate(event["currency"], "EUR")
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.stores:
                memo = memo_store(site)
                if memo is None:
                    continue
                binding = ctx.container(fn, memo.mapping)
                if binding is None or binding.container not in MEMO_MAPPINGS:
                    continue
                if _fixed_key(ctx, fn, memo.key) or _holds_clients(ctx, fn, memo.value):
                    continue
                if evicts(ctx.model, memo.mapping) or rebound(ctx.model, memo.mapping):
                    continue
                if ctx.is_reset_each_invocation(memo.mapping):
                    continue
                line = ctx.line(binding.anchor)
                key = _short(memo.key)
                yield self.report(
                    site.node,
                    f"module-level {binding.container} `{memo.mapping}` (bound on line {line}) is a memo cache "
                    f"keyed by `{key}` that nothing ever evicts, so it gains an entry for every new key for the "
                    "life of the execution environment",
                    f"Bound `{memo.mapping}`: use cachetools.LRUCache(maxsize=...) or TTLCache(maxsize=..., ttl=...), "
                    "or evict entries when it reaches a size limit.",
                )
        yield from self._object_memos(ctx)

    def _object_memos(self, ctx):
        """``self._names[k] = v`` in a method of a module-level object (``book = NameBook()``)."""
        for write in state_writes(ctx):
            if write.kind != "object-container" or write.container not in MEMO_MAPPINGS:
                continue
            memo = memo_store(write.site)
            if memo is None or "." not in memo.mapping:
                continue
            fn = write.site.function
            if _fixed_key(ctx, fn, memo.key) or _holds_clients(ctx, fn, memo.value):
                continue
            cls = write.instance_cls
            attr = write.name.split(".", 1)[1]
            if cls is None or evicts_attribute(ctx.project.all_methods(cls), attr):
                continue
            key = _short(memo.key)
            yield self.report(
                write.node,
                f"{write.container} `{write.name}` of module-level `{write.binding.name}`{bound_where(ctx, write)} "
                f"is a memo cache keyed by `{key}` that nothing ever evicts, so it gains an entry for every new "
                "key for the life of the execution environment",
                f"Bound `{write.name}`: use cachetools.LRUCache(maxsize=...) or TTLCache(maxsize=..., ttl=...), "
                "or evict entries when it reaches a size limit.",
            )


def _fixed_key(ctx, fn, key) -> bool:
    """A literal key, or a module-level constant name (``_settings[FLAGS_KEY]``)."""
    from ..analysis.names import is_literal

    if is_literal(key):
        return True
    if isinstance(key, cst.Name):
        binding = ctx.module_binding(fn, key.value)
        return binding is not None and binding.kind == "constant" and key.value not in fn.global_names
    return False


def _holds_clients(ctx, fn, value) -> bool:
    """``_clients[region] = boto3.client("s3", region_name=region)``: a pool of clients, one per region
    or account, kept on purpose (LAM202's lazily stored client), not a cache of data."""
    values = [value]
    if isinstance(value, cst.Name):
        from ..analysis.model import store_targets

        values = [
            site.node.value
            for site in fn.stores
            if getattr(site.node, "value", None) is not None
            and any(isinstance(t, cst.Name) and t.value == value.value for t in store_targets(site.node))
        ]
    return any(isinstance(v, cst.Call) and ctx.constructor_kind(v) is not None for v in values)


def _short(node) -> str:
    text = source_text(node)
    return text if len(text) <= 30 else text[:27] + "..."
