"""LAM105 class-state-mutated."""
from ..analysis.state import bound_line, fixed_keys_only, state_writes
from .base import Rule


class ClassStateMutated(Rule):
    code = "LAM105"
    name = "class-state-mutated"
    summary = "Warm-path code mutates a mutable class-level attribute"
    what = (
        "Reports warm-path code that mutates a list, dict or set defined in a class body "
        "(`items = []`), through `self.items`, `cls.items` or `ClassName.items`, unless every "
        "instance rebinds it (`self.items = []` in `__init__`). Not reported: a store under a literal key "
        "of a value that does not come from the request (`Settings.overrides.update({\"region\": "
        "os.environ[\"AWS_REGION\"]})`), as for LAM101; request data stored into a class-body container, "
        "which is LAM103's (it wins over LAM105)."
    )
    why = (
        "A class-body attribute is one object shared by every instance, and the class lives as long "
        "as the module: for the whole execution environment. Instances created per invocation still "
        "append to the same list, so it grows across invocations and mixes their data."
    )
    example = """\
class MetricBuffer:
    points = []

    def add(self, name, value):
        self.points.append({"MetricName": name, "Value": value})
"""
    use_instead = """\
class MetricBuffer:
    def __init__(self):
        self.points = []

    def add(self, name, value):
        self.points.append({"MetricName": name, "Value": value})
"""
    fix_safety = "No automatic fix: moving the attribute into `__init__` changes what other code sees."
    references = (
        "[Python tutorial: class and instance variables](https://docs.python.org/3/tutorial/classes.html#class-and-instance-variables)",
    )
    valid = (
        """\
class Batch:
    entries = []

    def __init__(self):
        self.entries = []

    def add(self, body):
        self.entries.append(body)

def lambda_handler(event, context):
    batch = Batch()
    batch.add(event)
""",
    )
    valid = valid + (
        """\
import os

class Settings:
    overrides = {}

def lambda_handler(event, context):
    Settings.overrides.update({"region": os.environ.get("AWS_REGION", "eu-west-1")})
    Settings.overrides["stage"] = "prod"
    return dict(Settings.overrides)
""",
    )
    invalid = (
        """\
class Hooks:
    registry = {}

    @classmethod
    def register(cls, name, fn):
        cls.registry[name] = fn  # expect

def lambda_handler(event, context):
    Hooks.register("x", print)
""",
    )

    def check(self, ctx):
        for write in state_writes(ctx):
            if write.kind != "class-attribute" or write.binding is None or write.binding.kind != "container":
                continue
            if fixed_keys_only(ctx, write):
                continue  # Settings.overrides.update({"region": config}): fixed keys, no request data
            line = bound_line(ctx, write)
            yield self.report(
                write.node,
                f"class-level {write.binding.container} `{write.name}` (line {line}) is mutated on the warm path; "
                "it is shared by every instance and outlives the invocation",
                f"Create it per instance in `__init__` (`self.{write.name.split('.')[-1]} = ...`), or keep it "
                "local to the invocation.",
            )
