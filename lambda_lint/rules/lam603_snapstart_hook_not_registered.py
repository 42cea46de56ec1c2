"""LAM603 snapstart-hook-not-registered."""
import libcst as cst

from .base import Rule

HOOKS_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html"
LIBRARY = "https://github.com/aws/snapshot-restore-py"


class SnapstartHookNotRegistered(Rule):
    code = "LAM603"
    name = "snapstart-hook-not-registered"
    summary = "A SnapStart runtime hook is registered where init code never runs the registration"
    what = (
        "Only for code of functions whose deployment turns SnapStart on. Reports a runtime-hook registration "
        "from `snapshot_restore_py` (`@register_before_snapshot` / `@register_after_restore`, or a call "
        "`register_after_restore(func, ...)`) that init code does not execute: inside a function that init "
        "code never calls (the handler, anything only the warm path calls, a function nested in one of "
        "them), or at module scope of a module that no SnapStart handler's module imports at module level, "
        "directly or transitively (never imported, or imported only inside a function). Not reported: "
        "registrations at module scope of the handler's module or of a module it imports at module level "
        "(also inside a module-level `if`/`try`), and registrations inside a function that module-level "
        "code calls at import."
    )
    why = (
        "Hooks are collected while the init phase runs; the snapshot is taken right after it. A registration "
        "that first runs in an invocation happens after the snapshot, so the before-snapshot hook never "
        "runs and the after-restore hook never runs either (the environment was already restored). The "
        "state it was meant to renew (a connection, a seed, a unique ID) stays shared. The library's README: "
        "\"If you register a hook in a file that isn't imported in your main handler, it will be ignored\" "
        "and \"If you import hooks within the lambda_handler, they won't be executed\"."
    )
    example = """\
from snapshot_restore_py import register_after_restore

def _reconnect():
    ...

def handler(event, context):
    register_after_restore(_reconnect)
    return {"ok": True}
"""
    use_instead = """\
from snapshot_restore_py import register_after_restore

def _reconnect():
    ...

register_after_restore(_reconnect)

def handler(event, context):
    return {"ok": True}
"""
    fix_safety = (
        "For a registration call written as its own statement in a module-level function, whose arguments "
        "are module-level names defined before that function, the fix moves the call to module scope right "
        "after the function. It is unsafe: the hook is then registered once at import, and calling the "
        "function no longer registers it."
    )
    references = (
        f"[Lambda SnapStart runtime hooks for Python]({HOOKS_DOCS})",
        f"[snapshot-restore-py]({LIBRARY})",
    )
    fixable = "sometimes"
    valid = (
        """\
from snapshot_restore_py import register_after_restore, register_before_snapshot

def _install_hooks():
    register_after_restore(print, "restored")

_install_hooks()

@register_before_snapshot
def _flush():
    print("snapshot")

def handler(event, context):
    return {"ok": True}
""",
    )
    invalid = (
        """\
from snapshot_restore_py import register_after_restore, register_before_snapshot

def _reseed():
    pass

def handler(event, context):
    register_after_restore(_reseed)  # expect

    @register_before_snapshot  # expect
    def _announce():
        print("snapshot")
    return {"ok": True}
""",
    )

    def check(self, ctx):
        init = ctx.analysis.init_code
        if not init.active or not init.applies_to(ctx.model):
            return
        for registration in init.registrations_in(ctx.model):
            if registration.effective:
                continue
            registrar = "register_before_snapshot" if registration.kind == "before_snapshot" else "register_after_restore"
            form = f"@{registrar}" if isinstance(registration.node, cst.Decorator) else f"{registrar}(...)"
            scope = registration.scope
            if scope.is_module_scope:
                module = ctx.model.name or "this module"
                message = (f"`{form}` is at module scope of `{module}`, which no SnapStart handler imports at "
                           "init: the hook is never registered before the snapshot and never runs")
                suggestion = ("Import this module at module level of the handler's module (not inside a "
                              "function), or register the hook there.")
            else:
                message = (f"`{form}` runs inside `{scope.qualname}`, which init code never calls: the hook is "
                           "registered after the snapshot was taken and never runs")
                suggestion = ("Register the hook at module scope of the handler's module (or of a module it "
                              "imports at module level), or call the installing function at module scope.")
            yield self.report(registration.node, message, suggestion)
