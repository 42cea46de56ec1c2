"""LAM501 tmp-file-not-removed."""
from ..analysis.flow import assigned_name, released_on_every_path, warm_calls_of
from ..analysis.model import Function
from ..analysis.tmp_paths import Creation, Paths, exists_guard
from .base import Rule

try:  # a finer "on every path" (a removal before each return), when the shared flow module has it
    from ..analysis.flow import released_before_every_exit
except ImportError:  # pragma: no cover
    released_before_every_exit = None


class TmpFileNotRemoved(Rule):
    code = "LAM501"
    name = "tmp-file-not-removed"
    summary = "A file or directory with a per-invocation name is created in /tmp and not removed on every path"
    what = (
        "Reports warm-path calls that create a file or directory under `/tmp` whose name changes per "
        "invocation (it contains a variable, a uuid, a timestamp or request data, or comes from "
        "`tempfile.mkstemp`, `mkdtemp`, `NamedTemporaryFile(delete=False)`) when the function does not "
        "remove it on every path (`os.remove`, `os.unlink`, `shutil.rmtree`, `Path.unlink`, in a `finally:` "
        "or unconditionally after it with no return in between). Creation calls: `open(path, 'w'/'a'/'x')`, "
        "`tempfile.mkstemp`/`mkdtemp`, `NamedTemporaryFile(delete=False)`, `download_file(..., path)`, "
        "`os.makedirs`/`os.mkdir`, `Path.write_text`/`write_bytes`/`touch`/`mkdir`, `shutil.copy*` into /tmp, "
        "`extractall(path)`. A path returned to the caller counts as removed only when every warm caller "
        "removes it on every path. When the per-invocation path is built in one function and handed to a "
        "project helper that creates the file (`write_report(out, data)` with `open(path, \"wb\")` inside), "
        "the call that hands it over is reported, unless the helper itself removes it. Not reported: a "
        "fixed, constant path (it is overwritten, so it is bounded)."
    )
    why = (
        "`/tmp` belongs to the execution environment, not to the invocation: what one invocation leaves "
        "there is still there for the next one. Files with a new name each time pile up until the "
        "ephemeral storage (512 MB by default) is full, and then every invocation in that environment "
        "fails with `No space left on device`."
    )
    example = """\
import uuid

def lambda_handler(event, context):
    path = f"/tmp/export-{uuid.uuid4()}.csv"
    with open(path, "w") as fh:
        fh.write(render(event["rows"]))
    s3.upload_file(path, BUCKET, f"exports/{context.aws_request_id}.csv")
"""
    use_instead = """\
import os
import tempfile

def lambda_handler(event, context):
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "export.csv")
        with open(path, "w") as fh:
            fh.write(render(event["rows"]))
        s3.upload_file(path, BUCKET, f"exports/{context.aws_request_id}.csv")
"""
    fix_safety = (
        "The fix is unsafe: where the path is a local name whose use stays in the function, it wraps the "
        "statements from the creation to the end of the block in `try`/`finally` and removes the file or "
        "directory there (`os.remove`, `shutil.rmtree`, `Path.unlink`), or turns `d = tempfile.mkdtemp()` into "
        "`with tempfile.TemporaryDirectory() as d:`. The file no longer exists after the function, which "
        "matters if something else expected to find it. Paths that are returned or stored get no fix."
    )
    fixable = "sometimes"
    references = (
        "[Lambda ephemeral storage (/tmp)](https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html)",
        "[tempfile.TemporaryDirectory](https://docs.python.org/3/library/tempfile.html#tempfile.TemporaryDirectory)",
    )
    valid = (
        """\
import os
import tempfile

def lambda_handler(event, context):
    fd, path = tempfile.mkstemp(suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(event["body"])
        return os.path.getsize(path)
    finally:
        os.remove(path)
""",
        """\
import json

MODEL_PATH = "/tmp/model.json"

def lambda_handler(event, context):
    with open(MODEL_PATH, "w") as fh:
        json.dump(event["weights"], fh)
    with open("/tmp/last-input.json", "w") as fh:
        json.dump(event, fh)
""",
    )
    invalid = (
        """\
import uuid

def write_report(path, data):
    with open(path, "wb") as fh:
        fh.write(data)

def lambda_handler(event, context):
    out = f"/tmp/report-{uuid.uuid4()}.csv"
    write_report(out, event["csv"].encode())  # expect
    s3.upload_file(out, "bucket", "report.csv")
""",
        """\
import os

def lambda_handler(event, context):
    archive = os.path.join("/tmp", os.path.basename(event["key"]))
    s3.download_file(event["bucket"], event["key"], archive)  # expect
    if not event.get("unpack"):
        return {"files": 0}
    unpack(archive)
    os.remove(archive)
    return {"files": 1}
""",
    )

    def check(self, ctx):
        paths = Paths(ctx)
        for fn in ctx.warm_functions:
            creations = [c for c in paths.creations(fn) if c.per_invocation]
            if not creations:
                continue
            removals = paths.removals(fn)
            order = {id(site.node): i for i, site in enumerate(fn.calls)}
            for creation in creations:
                if _inside_another(creation, creations, order):
                    continue
                if _lazily_held(ctx, fn, creation) or _swept(creation, paths.sweeps()):
                    continue
                matching = [
                    exists_guard(r.site) for r in removals if r.target is not None and r.target.same & creation.names
                ]
                if _released(creation.site, matching):
                    continue
                held_in_self = sorted(n for n in creation.identity if n.startswith("self."))
                if held_in_self and _class_removes(paths, fn, held_in_self):
                    continue
                returned = _returned(paths, fn, creation)
                if returned and _every_caller_removes(paths, ctx, fn):
                    continue
                yield self.report(creation.site.node, _message(creation, matching, returned, held_in_self),
                                  _suggestion(creation))


def _released(site, releases) -> bool:
    if not releases:
        return False
    if released_on_every_path(site, releases):
        return True
    return released_before_every_exit is not None and released_before_every_exit(site, releases)


def _inside_another(creation: Creation, creations: list, order: dict) -> bool:
    """Created inside a folder that another per-invocation creation of the function made (that one is
    reported, or removed with its contents), or a second creation of the same path."""
    mine = order.get(id(creation.site.node), 0)
    for other in creations:
        if other is creation:
            continue
        if other.identity & creation.path.parents:
            return True
        if other.identity & (creation.identity | creation.path.same) and order.get(id(other.site.node), 0) < mine:
            return True
    return False


def _lazily_held(ctx, fn: Function, creation: Creation) -> bool:
    """Created once and kept in a module-level name: ``if _workdir is None: _workdir = mkdtemp()``."""
    block = ctx.holders.refresh_block(creation.site)
    return block is not None and any(name in fn.global_names and name in block.holders for name in creation.holders)


def _swept(creation: Creation, sweeps: list) -> bool:
    prefix = creation.path.prefix
    for folder in sweeps:
        base = folder.rstrip("/")
        if base and (prefix == base or prefix.startswith(base + "/") or prefix.startswith(folder)):
            return True
    return False


def _class_removes(paths: Paths, fn: Function, keys: list) -> bool:
    """Some method of the class removes ``self.x`` (a ``cleanup``/``close``/``__exit__``)."""
    for method in fn.cls.methods.values() if fn.cls is not None else ():
        for removal in paths.removals(method):
            if removal.target is not None and removal.target.same & set(keys):
                return True
    return False


def _returned(paths: Paths, fn: Function, creation: Creation) -> bool:
    for site in fn.returns:
        value = site.node.value
        if value is None:
            continue
        returned = paths.removed_path(fn, value)
        if returned is not None and returned.same & creation.identity:
            return True
    return False


def _every_caller_removes(paths: Paths, ctx, fn: Function) -> bool:
    """Every warm call of ``fn`` keeps the returned path in a name and removes it on every path."""
    callers = 0
    for caller, site in warm_calls_of(ctx, fn):
        callers += 1
        name = assigned_name(site)
        if name is None:
            return False
        releases = [
            exists_guard(r.site)
            for r in paths.removals(caller)
            if r.target is not None and name in r.target.same
        ]
        if not _released(site, releases):
            return False
    return callers > 0


def _message(creation: Creation, matching: list, returned: bool, held_in_self: list) -> str:
    kind = "directory" if creation.directory else "file"
    held = _held_name(creation)
    named = f" `{held}`" if held else ""
    text = f"`{creation.what}` creates the {kind}{named} under /tmp with a per-invocation name"
    if held_in_self:
        text += " and no method ever removes it"
    elif returned:
        text += " and returns it to a caller that does not remove it on every path"
    elif matching:
        text += ", and an early return or a branch skips its removal"
    else:
        text += " and nothing removes it"
    return text + "; /tmp outlives the invocation, so these pile up until the disk is full"


def _held_name(creation: Creation):
    names = sorted(creation.identity, key=lambda n: (n.startswith("self."), n))
    return names[0] if names else None


def _suggestion(creation: Creation) -> str:
    held = _held_name(creation) or "path"
    if held.startswith("self."):
        return (f"Remove `{held}` when the object is done with it (`shutil.rmtree({held}, ignore_errors=True)` "
                "in a `close()` that runs in a `finally:`), or use `tempfile.TemporaryDirectory()` as a context.")
    if creation.directory:
        return (f"Remove it in a `finally:` block (`shutil.rmtree({held}, ignore_errors=True)`), or use "
                "`with tempfile.TemporaryDirectory() as workdir:` instead.")
    return (f"Remove it in a `finally:` block (`os.remove({held})`), or create it inside "
            "`with tempfile.TemporaryDirectory() as workdir:`.")
