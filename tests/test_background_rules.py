"""LAM301-LAM305: background work that outlives the invocation."""
from .helpers import expected_lines, findings, run_check

LAM3 = {"LAM301", "LAM302", "LAM303", "LAM304", "LAM305"}


def marked(source: str, code: str, path: str = "app.py") -> set:
    return {(path, line, code) for line in expected_lines(source)}


def check_marked(tmp_path, source: str, code: str) -> None:
    """Every line marked ``# expect`` gets ``code`` and nothing else of the family is reported."""
    assert findings(tmp_path, {"app.py": source}, LAM3) == marked(source, code)


def only_diagnostic(tmp_path, source: str, code: str):
    result = run_check(tmp_path, {"app.py": source}, {code})
    assert not result.internal_errors, result.internal_errors
    [diag] = result.diagnostics
    return diag


# -- LAM301 task-not-awaited --------------------------------------------------------------------

def test_dropped_and_forgotten_tasks_are_lam301(tmp_path):
    check_marked(tmp_path, '''
        import asyncio
        import logging

        logger = logging.getLogger()

        async def emit(detail):
            await asyncio.sleep(0)

        def _schedule(detail):
            loop = asyncio.get_running_loop()
            loop.create_task(emit(detail))  # expect

        async def accept(order):
            asyncio.create_task(emit(order))  # expect
            warm = asyncio.ensure_future(emit("warm"))  # expect
            logger.debug("scheduled %r", warm)
            asyncio.get_running_loop().create_task(emit("x")).add_done_callback(print)  # expect
            pending = []
            for item in order["items"]:
                pending.append(asyncio.create_task(emit(item)))  # expect
            logger.info("%d pending", len(pending))
            [asyncio.create_task(emit(i)) for i in order["items"]]  # expect
            _schedule(order)
            await emit("accepted")
            return {"accepted": True}

        def lambda_handler(event, context):
            return asyncio.run(accept(event))
    ''', "LAM301")


def test_lam301_message_names_the_factory_and_the_variable(tmp_path):
    diag = only_diagnostic(tmp_path, '''
        import asyncio

        async def emit():
            await asyncio.sleep(0)

        async def main():
            warm = asyncio.ensure_future(emit())
            return 1

        def lambda_handler(event, context):
            return asyncio.run(main())
    ''', "LAM301")
    assert diag.line == 8
    assert "`asyncio.ensure_future(...)`" in diag.message and "kept in `warm`" in diag.message
    assert "`main`" in diag.message
    assert "await" in diag.suggestion and "TaskGroup" in diag.suggestion


def test_awaited_gathered_waited_or_returned_tasks_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio

        async def work(n):
            await asyncio.sleep(0)
            return n

        def _start(n):
            return asyncio.create_task(work(n))

        async def main(items):
            flush = asyncio.create_task(work(0))
            lookup = asyncio.ensure_future(work(1))
            rest = [asyncio.create_task(work(i)) for i in items]
            results = await asyncio.gather(*rest)
            await asyncio.wait([flush])
            first = await lookup
            direct = await asyncio.create_task(work(2))
            bounded = await asyncio.wait_for(asyncio.create_task(work(3)), 5)
            tasks = []
            for i in items:
                tasks.append(asyncio.create_task(work(i)))
            for t in tasks:
                await t
            by_task = {asyncio.create_task(work(i)): i for i in items}
            done, _ = await asyncio.wait(by_task)
            later = asyncio.create_task(work(4))
            try:
                pass
            finally:
                await later
            stopped = asyncio.create_task(work(5))
            stopped.cancel()
            await _start(6)
            return [first, direct, bounded, *results, len(done)]

        def lambda_handler(event, context):
            return asyncio.run(main(event["items"]))
    '''}, LAM3) == set()


def test_task_group_tasks_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio

        async def head(key):
            await asyncio.sleep(0)
            return key

        async def main(keys):
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(head(k)) for k in keys]
                tg.create_task(head("audit"))
                asyncio.create_task(head("inside"))
            return [t.result() for t in tasks]

        def lambda_handler(event, context):
            return asyncio.run(main(event["keys"]))
    '''}, LAM3) == set()


def test_create_task_of_other_apis_and_unknown_holders_are_silent(tmp_path):
    # Google Cloud Tasks has a create_task method; a module-level set may be drained elsewhere.
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        from google.cloud import tasks_v2

        client = tasks_v2.CloudTasksClient()
        _background = set()

        async def work():
            await asyncio.sleep(0)

        async def main(event):
            client.create_task(parent=event["queue"], task={"http_request": {}})
            task = asyncio.create_task(work())
            _background.add(task)
            task.add_done_callback(_background.discard)
            return {}

        def lambda_handler(event, context):
            return asyncio.run(main(event))
    '''}, {"LAM301"}) == set()


def test_task_off_the_warm_path_is_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio

        async def work():
            await asyncio.sleep(0)

        async def admin():
            asyncio.create_task(work())

        def lambda_handler(event, context):
            return {}
    '''}, LAM3) == set()


# -- LAM302 coroutine-not-awaited ---------------------------------------------------------------

def test_dropped_coroutines_are_lam302(tmp_path):
    check_marked(tmp_path, '''
        import asyncio
        from asyncio import sleep

        async def publish(message):
            await asyncio.sleep(0)

        class RetryPolicy:
            async def backoff(self, attempt):
                await asyncio.sleep(attempt)

            async def run(self, attempt):
                self.backoff(attempt)  # expect
                return attempt

        async def deliver(message):
            policy = RetryPolicy()
            for attempt in range(3):
                policy.backoff(attempt)  # expect
                asyncio.sleep(0.1)  # expect
                sleep(0.1)  # expect
                asyncio.to_thread(print, "x")  # expect
            await policy.run(1)
            [publish(m) for m in message["parts"]]  # expect
            if message.get("loud"):
                publish(message)  # expect
            return True

        def lambda_handler(event, context):
            publish({"received": event["id"]})  # expect
            return asyncio.run(deliver(event))
    ''', "LAM302")


def test_lam302_suggestion_depends_on_the_caller(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import asyncio

        async def publish(message):
            await asyncio.sleep(0)

        async def main(event):
            publish(event)

        def lambda_handler(event, context):
            publish(event)
            asyncio.run(main(event))
    '''}, {"LAM302"})
    by_line = {d.line: d for d in result.diagnostics}
    assert set(by_line) == {8, 11}
    assert "`publish(...)` returns a coroutine that is dropped" in by_line[8].message
    assert "`await`" in by_line[8].suggestion
    assert "asyncio.run(publish(...))" in by_line[11].suggestion


def test_handled_coroutines_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio

        async def fetch(key):
            await asyncio.sleep(0)
            return key

        async def numbers():
            yield 1

        def fetch_later(key):
            return fetch(key)

        async def main(keys):
            first = await fetch(keys[0])
            rest = await asyncio.gather(*[fetch_later(k) for k in keys[1:]])
            summary = asyncio.create_task(fetch("summary.json"))
            numbers()
            handler = lambda k: fetch(k)
            return [first, *rest, await summary, await handler("x")]

        def lambda_handler(event, context):
            return {"documents": asyncio.run(main(event["keys"]))}
    '''}, LAM3) == set()


def test_names_that_are_not_the_coroutine_function_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        import time

        async def fetch(key):
            await asyncio.sleep(0)

        def run_sync(fn):
            def wrapper(*args):
                return asyncio.run(fn(*args))
            return wrapper

        @run_sync
        async def notify(message):
            await asyncio.sleep(0)

        def process(fetch, keys):
            for key in keys:
                fetch(key)

        def lambda_handler(event, context):
            def fetch(key):
                return key
            fetch("a")
            notify("done")
            time.sleep(0)
            process(print, event["keys"])
            return {}
    '''}, LAM3) == set()


def test_dropped_coroutine_from_an_imported_module_is_lam302(tmp_path):
    found = findings(tmp_path, {
        "app.py": '''
            import notifier

            def lambda_handler(event, context):
                notifier.send(event["id"])
                return {}
        ''',
        "notifier.py": '''
            import asyncio

            async def send(message):
                await asyncio.sleep(0)
        ''',
    }, LAM3)
    assert found == {("app.py", 5, "LAM302")}


# -- LAM303 thread-not-joined -------------------------------------------------------------------

def test_threads_not_joined_on_every_path_are_lam303(tmp_path):
    check_marked(tmp_path, '''
        import threading
        from threading import Timer

        def _ship(lines):
            print(lines)

        class Pump(threading.Thread):
            def run(self):
                print("pumping")

        class Prefetcher:
            def start(self):
                worker = threading.Thread(target=_ship, args=([],), daemon=True)
                worker.start()  # expect

        def _early(event):
            t = threading.Thread(target=_ship, args=(event,))
            t.start()  # expect
            if event.get("skip"):
                return "skipped"
            t.join()
            return "done"

        def lambda_handler(event, context):
            threading.Thread(target=_ship, args=(["a"],), daemon=True).start()  # expect
            Timer(5.0, _ship, args=(["b"],)).start()  # expect
            Prefetcher().start()
            pump = Pump()
            pump.start()  # expect
            uploader = threading.Thread(target=_ship, args=(["c"],))
            uploader.start()  # expect
            if event.get("wait_for_upload"):
                uploader.join()
            workers = [threading.Thread(target=_ship, args=([k],)) for k in event["keys"]]
            for w in workers:
                w.start()  # expect
            watchdog = threading.Timer(1.0, _ship, args=(["late"],))
            watchdog.start()  # expect
            _early(event)
            return {"queued": True}
    ''', "LAM303")


def test_lam303_message_names_the_thread_and_the_function(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import threading

        def _put(key):
            print(key)

        def lambda_handler(event, context):
            uploader = threading.Thread(target=_put, args=("k",))
            uploader.start()
            if event.get("wait"):
                uploader.join()
            timer = threading.Timer(3, _put, args=("t",))
            timer.start()
            return {}
    '''}, {"LAM303"})
    by_line = {d.line: d for d in result.diagnostics}
    assert set(by_line) == {9, 13}
    assert by_line[9].message.startswith("Thread `uploader` is joined only on some paths before `lambda_handler` returns")
    assert "finally" in by_line[9].suggestion
    assert by_line[13].message.startswith("Timer `timer` is started but never joined")
    assert "cancel()" in by_line[13].suggestion


def test_threads_joined_on_every_path_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import threading
        from queue import Empty, Queue

        def _copy(key, done):
            done.put(key)

        def _branches(event):
            t = threading.Thread(target=_copy, args=("a", Queue()))
            t.start()
            if event.get("fast"):
                t.join()
                return "fast"
            else:
                t.join()
                return "slow"

        def _comprehensions(keys):
            threads = [threading.Thread(target=_copy, args=(k, Queue())) for k in keys]
            [t.start() for t in threads]
            [t.join() for t in threads]

        def _conditional(event):
            if event.get("bg"):
                t = threading.Thread(target=_copy, args=("b", Queue()))
                t.start()
                t.join(timeout=5)

        def lambda_handler(event, context):
            keys = event["keys"]
            done = Queue()
            workers = [threading.Thread(target=_copy, args=(k, done)) for k in keys]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            threads = []
            for key in keys:
                t = threading.Thread(target=_copy, args=(key, done))
                t.start()
                threads.append(t)
            indexer = threading.Thread(target=_copy, args=("index", done))
            indexer.start()
            timer = threading.Timer(1.0, print, args=("late",))
            timer.start()
            copied = []
            try:
                for t in threads:
                    t.join()
                while True:
                    copied.append(done.get_nowait())
            except Empty:
                pass
            finally:
                indexer.join()
                timer.cancel()
            _branches(event)
            _comprehensions(keys)
            _conditional(event)
            return {"copied": len(copied)}
    '''}, LAM3) == set()


def test_threads_handed_elsewhere_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import threading

        def _put(key):
            print(key)

        def _spawn(key):
            t = threading.Thread(target=_put, args=(key,))
            t.start()
            return t

        def _join_all(threads):
            for t in threads:
                t.join()

        class Service:
            def begin(self):
                self._worker = threading.Thread(target=_put, args=("s",))
                self._worker.start()

            def end(self):
                self._worker.join()

        def lambda_handler(event, context):
            spawned = _spawn("a")
            threads = []
            for key in event["keys"]:
                th = threading.Thread(target=_put, args=(key,))
                th.start()
                threads.append(th)
            _join_all(threads)
            svc = Service()
            svc.begin()
            svc.end()
            spawned.join()
            return {}
    '''}, LAM3) == set()


def test_thread_in_an_imported_helper_is_reported_in_the_helper(tmp_path):
    found = findings(tmp_path, {
        "app.py": '''
            import json

            import uploader

            def lambda_handler(event, context):
                uploader.upload_later("k", json.dumps(event).encode())
                return {"statusCode": 202}
        ''',
        "uploader.py": '''
            import threading

            def _put(key, body):
                print(key, body)

            def upload_later(key, body):
                threading.Thread(target=_put, args=(key, body), daemon=True).start()

            def rebuild_all():
                threading.Thread(target=_put, args=("all", b"")).start()
        ''',
        "maintenance.py": '''
            import threading

            def purge():
                threading.Thread(target=print).start()
        ''',
    }, LAM3)
    assert found == {("uploader.py", 8, "LAM303")}


# -- LAM304 future-not-resolved -----------------------------------------------------------------

def test_unresolved_futures_are_lam304(tmp_path):
    check_marked(tmp_path, '''
        import asyncio
        from concurrent import futures as cf
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=4)
        ARCHIVERS = ThreadPoolExecutor(max_workers=2)

        def _work(key):
            return key

        async def receive(event):
            loop = asyncio.get_running_loop()
            loop.run_in_executor(ARCHIVERS, _work, "raw")  # expect
            parsed = await loop.run_in_executor(None, _work, event)
            return parsed

        def _render(pages):
            ex = cf.ThreadPoolExecutor(max_workers=8)
            pending = [ex.submit(_work, page) for page in pages]
            done, not_done = cf.wait(pending, timeout=2)
            ex.shutdown(wait=False)  # expect
            return sorted(f.result() for f in done)

        def lambda_handler(event, context):
            keys = event["keys"]
            futures = [_pool.submit(_work, k) for k in keys]  # expect
            _pool.submit(_work, keys)  # expect
            first = _pool.submit(_work, "first")  # expect
            if first.done():
                print("fast")
            ThreadPoolExecutor().submit(_work, "inline")  # expect
            _pool.submit(_work, "cb").add_done_callback(print)  # expect
            asyncio.run(receive(event))
            _render(keys)
            return {"scheduled": len(futures)}
    ''', "LAM304")


def test_lam304_message_names_the_module_level_executor(tmp_path):
    diag = only_diagnostic(tmp_path, '''
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=4)

        def _audit(keys):
            return keys

        def lambda_handler(event, context):
            _pool.submit(_audit, event["keys"])
            return {}
    ''', "LAM304")
    assert diag.line == 10
    assert "module-level ThreadPoolExecutor `_pool` (bound on line 4)" in diag.message
    assert "is dropped" in diag.message
    assert ".result()" in diag.suggestion


def test_resolved_or_waited_futures_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        from concurrent.futures import ThreadPoolExecutor, as_completed, wait

        _shared = ThreadPoolExecutor(max_workers=4)

        def _size(key):
            return len(key)

        class AuditTrail:
            def write(self, line):
                return _shared.submit(_size, line)

        async def _off_loop(payload):
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor() as local:
                loop.run_in_executor(local, _size, payload)
            fut = loop.run_in_executor(None, _size, payload)
            return await fut

        def lambda_handler(event, context):
            keys = event["keys"]
            with ThreadPoolExecutor(max_workers=4) as ex:
                for key in keys:
                    ex.submit(_size, key)
                ex.shutdown(wait=False)
            sizes = {}
            with ThreadPoolExecutor() as ex:
                by_future = {ex.submit(_size, k): k for k in keys}
                for fut in as_completed(by_future):
                    sizes[by_future[fut]] = fut.result()
            checks = [_shared.submit(_size, k) for k in keys]
            wait(checks)
            collected = []
            for key in keys:
                collected.append(_shared.submit(_size, key))
            total = sum(f.result() for f in collected)
            one = _shared.submit(_size, "one").result(timeout=5)
            future = AuditTrail().write("invoice.created")
            future.result(timeout=5)
            ex2 = ThreadPoolExecutor(max_workers=2)
            ex2.submit(_size, "fire")
            ex2.shutdown()
            asyncio.run(_off_loop(b"x"))
            return {"sizes": sizes, "total": total + one + sum(f.result() for f in checks)}
    '''}, LAM3) == set()


def test_shutdown_without_wait_of_a_module_level_executor_is_not_lam304(tmp_path):
    # Closing a module-level executor is LAM201's business, not an unresolved future.
    assert findings(tmp_path, {"app.py": '''
        from concurrent.futures import ThreadPoolExecutor

        _uploader = ThreadPoolExecutor(max_workers=2)

        def lambda_handler(event, context):
            _uploader.submit(print, "x").result()
            _uploader.shutdown(wait=False)
            return {}
    '''}, {"LAM304"}) == set()


def test_submit_on_unknown_executors_is_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from dask.distributed import Client

        client = Client()

        def _work(x):
            return x

        def _fan_out(executor, keys):
            for key in keys:
                executor.submit(_work, key)

        class Runner:
            def __init__(self, pool):
                self.pool = pool

            def go(self):
                self.pool.submit(_work, 1)

        def lambda_handler(event, context):
            client.submit(_work, 1)
            _fan_out(None, event["keys"])
            Runner(None).go()
            return {}
    '''}, LAM3) == set()


def test_future_in_a_function_off_the_warm_path_is_silent(tmp_path):
    found = findings(tmp_path, {"jobs.py": '''
        from concurrent.futures import ThreadPoolExecutor

        _workers = ThreadPoolExecutor(max_workers=4)

        def _record(job_id):
            return job_id

        def lambda_handler(event, context):
            for job in event.get("jobs", []):
                _workers.submit(_record, job["id"])
            return {}

        def replay(jobs):
            for job in jobs:
                _workers.submit(_record, job["id"])
    '''}, LAM3)
    assert found == {("jobs.py", 11, "LAM304")}


# -- LAM305 multiprocessing-unsupported ---------------------------------------------------------

def test_multiprocessing_primitives_are_lam305(tmp_path):
    check_marked(tmp_path, '''
        import multiprocessing
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import Queue
        from multiprocessing.pool import ThreadPool

        _progress_lock = mp.Lock()  # expect

        class Stats:
            counter = mp.Value("i", 0)  # expect

        def _digest(body):
            return len(body)

        def _pool_digests(parts):
            with multiprocessing.Pool(processes=2) as pool:  # expect
                return pool.map(_digest, parts)

        def lambda_handler(event, context):
            parts = event["parts"]
            results = Queue()  # expect
            ctx = mp.get_context("spawn")
            done = mp.get_context("fork").SimpleQueue()  # expect
            with ProcessPoolExecutor(max_workers=2) as ex:  # expect
                digests = list(ex.map(_digest, parts))
            with ThreadPool(4) as tp:  # expect
                sizes = tp.map(len, parts)
            total = mp.Array("i", 4)  # expect
            return {"digests": digests, "pooled": _pool_digests(parts), "sizes": sizes, "q": results, "d": done, "t": total, "c": ctx}
    ''', "LAM305")


def test_lam305_message(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import multiprocessing as mp

        _lock = mp.Lock()

        def lambda_handler(event, context):
            total = mp.Value("i", 0)
            return total.value
    '''}, {"LAM305"})
    by_line = {d.line: d for d in result.diagnostics}
    assert set(by_line) == {4, 7}
    assert "`multiprocessing.Lock`" in by_line[4].message and "module-level `_lock`, bound on line 4" in by_line[4].message
    assert "/dev/shm" in by_line[7].message and "`lambda_handler`" in by_line[7].message
    assert "Process" in by_line[7].suggestion and "Pipe" in by_line[7].suggestion


def test_process_pipe_and_queue_queue_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import multiprocessing as mp
        import queue
        from multiprocessing import Pipe, Process, cpu_count
        from queue import Queue

        def _size(key, conn):
            conn.send(len(key))
            conn.close()

        make_lock = lambda: mp.Lock()

        def _helper_never_called():
            return mp.Pool(2)

        def lambda_handler(event, context):
            jobs = []
            pending = Queue()
            other = queue.SimpleQueue()
            for key in event["keys"]:
                parent, child = Pipe()
                proc = Process(target=_size, args=(key, child))
                proc.start()
                jobs.append((proc, parent))
            for proc, parent in jobs:
                pending.put(parent.recv())
                proc.join()
            workers = [mp.Process(target=print) for _ in range(cpu_count())]
            return {"total": pending.qsize(), "o": other, "w": len(workers)}

        if __name__ == "__main__":
            with mp.Pool(2) as pool:
                print(pool.map(len, ["a", "b"]))
    '''}, LAM3) == set()


def test_multiprocessing_in_a_module_off_the_warm_path_is_silent(tmp_path):
    assert findings(tmp_path, {
        "app.py": '''
            def lambda_handler(event, context):
                return {}
        ''',
        "scripts/batch.py": '''
            import multiprocessing

            LOCK = multiprocessing.Lock()

            def run():
                with multiprocessing.Pool() as pool:
                    return pool.map(len, ["a"])
        ''',
    }, LAM3) == set()


def test_pool_is_lam305_and_not_a_client_per_invocation(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        def lambda_handler(event, context):
            pool = multiprocessing.Pool(2)
            ex = ProcessPoolExecutor()
            return {"p": pool, "e": ex}
    '''})
    assert found == {("app.py", 6, "LAM305"), ("app.py", 7, "LAM305")}
