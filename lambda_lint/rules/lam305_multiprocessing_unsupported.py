"""LAM305 multiprocessing-unsupported."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import assigned_name
from ..analysis.names import names_in
from .base import Rule


def _under_main_guard(site) -> bool:
    """Module-level code that does not run at import on Lambda: inside ``if __name__ == "__main__":``
    (a local test harness) or a module-level ``lambda``."""
    for node in site.ancestors:
        if isinstance(node, cst.If) and "__name__" in names_in(node.test):
            return True
        if isinstance(node, cst.Lambda):
            return True  # runs when called, not at import; its callers are judged where they are
    return False


class MultiprocessingUnsupported(Rule):
    code = "LAM305"
    name = "multiprocessing-unsupported"
    summary = "A multiprocessing primitive that needs /dev/shm, which Lambda does not have"
    what = (
        "Reports constructions of `multiprocessing.Pool`, `Queue`, `SimpleQueue`, `JoinableQueue`, "
        "`Manager`, `Lock`, `RLock`, `Semaphore`, `Event`, `Condition`, `Barrier`, `Value`, `Array`, "
        "`multiprocessing.pool.ThreadPool` and `concurrent.futures.ProcessPoolExecutor`, on the warm "
        "path and at module scope of the modules it imports (also through "
        "`multiprocessing.get_context(...)`). `multiprocessing.Process` and `Pipe` work on Lambda and "
        "are never reported; `queue.Queue` is not multiprocessing."
    )
    why = (
        "These primitives are built on POSIX semaphores in shared memory (`/dev/shm`). The Lambda "
        "execution environment has no `/dev/shm`, so constructing one raises "
        "`OSError: [Errno 38] Function not implemented`: at import time that is an init error, on "
        "the warm path a failed invocation."
    )
    example = """\
from multiprocessing import Pool

def lambda_handler(event, context):
    with Pool(processes=2) as pool:
        return {"digests": pool.map(_digest, event["parts"])}
"""
    use_instead = """\
from multiprocessing import Pipe, Process

def lambda_handler(event, context):
    jobs = []
    for part in event["parts"]:
        parent, child = Pipe()
        proc = Process(target=_digest_to, args=(part, child))
        proc.start()
        jobs.append((proc, parent))
    digests = []
    for proc, parent in jobs:
        digests.append(parent.recv())
        proc.join()
    return {"digests": digests}
"""
    fix_safety = (
        "No automatic fix: replacing a pool or a queue with `Process` and `Pipe` (or with threads "
        "for I/O-bound work) restructures the code."
    )
    references = (
        "[Parallel processing in Python with AWS Lambda](https://aws.amazon.com/blogs/compute/parallel-processing-in-python-with-aws-lambda/)",
        "[multiprocessing: Pipes and Queues](https://docs.python.org/3/library/multiprocessing.html#pipes-and-queues)",
    )
    valid = (
        """\
import queue
from multiprocessing import Pipe, Process

def _size(key, conn):
    conn.send(len(key))
    conn.close()

def lambda_handler(event, context):
    pending = queue.Queue()
    parent, child = Pipe()
    proc = Process(target=_size, args=(event["key"], child))
    proc.start()
    pending.put(parent.recv())
    proc.join()
    return {"size": pending.get()}
""",
    )
    invalid = (
        """\
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

_lock = mp.Lock()  # expect

def _digest(body):
    return len(body)

def lambda_handler(event, context):
    total = mp.Value("i", 0)  # expect
    with ProcessPoolExecutor(max_workers=2) as ex:  # expect
        return {"digests": list(ex.map(_digest, event["parts"])), "total": total.value}
""",
    )

    def check(self, ctx):
        for fn in [ctx.model.scope, *ctx.warm_functions]:
            for site in fn.calls:
                what = self._primitive(ctx, fn, site.node)
                if what is None or (fn.is_module_scope and _under_main_guard(site)):
                    continue
                where = f"in `{fn.name}`" if not fn.is_module_scope else "at import time"
                name = assigned_name(site)
                if fn.is_module_scope and name is not None:
                    where = f"at import time (module-level `{name}`, bound on line {ctx.line(site.statement)})"
                yield self.report(
                    site.node,
                    f"`{what}` is constructed {where}; it needs `/dev/shm`, which Lambda does not have, so it "
                    "fails with `OSError: [Errno 38] Function not implemented`",
                    "Use `multiprocessing.Process` with `Pipe` for CPU-bound parallel work, or threads "
                    "(`ThreadPoolExecutor`, `queue.Queue`, `threading.Lock`) for I/O-bound work.",
                )

    @staticmethod
    def _primitive(ctx, fn, call: cst.Call) -> Optional[str]:
        func = call.func
        if isinstance(func, cst.Name) and not fn.is_module_scope and func.value in ctx.locals_of(fn):
            return None  # a local variable of that name, not the import
        name = ctx.qualify(func)
        if name in apis.MULTIPROCESSING_UNSUPPORTED:
            return name
        # multiprocessing.get_context("spawn").Queue()
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            if ctx.qualify(func.value.func) in apis.MULTIPROCESSING_CONTEXTS:
                candidate = f"multiprocessing.{func.attr.value}"
                if candidate in apis.MULTIPROCESSING_UNSUPPORTED:
                    return candidate
        return None
