"""LAM501: files and directories left behind in /tmp."""
from .helpers import expected_lines, findings, run_check

TMP = {"LAM501"}


def marked(tmp_path, source, path="app.py"):
    """Check one module; return (found lines, lines marked ``# expect``)."""
    found = findings(tmp_path, {path: source}, TMP)
    return {line for (_, line, _) in found}, set(expected_lines(source))


def test_per_invocation_files_are_reported_at_the_creating_call(tmp_path):
    source = '''
        import csv
        import os
        import pathlib
        import shutil
        import tempfile
        import time
        import uuid

        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            path = f"/tmp/export-{uuid.uuid4()}.csv"
            with open(path, "w", newline="") as fh:  # expect
                csv.writer(fh).writerows(event["rows"])
            workdir = os.path.join("/tmp", context.aws_request_id)
            os.makedirs(workdir, exist_ok=True)  # expect
            report = pathlib.Path("/tmp") / f"summary-{event['batch']}.json"
            report.write_text("{}")  # expect
            local = f"/tmp/{os.path.basename(event['key'])}"
            s3.download_file(event["bucket"], event["key"], local)  # expect
            stamp = os.path.join(tempfile.gettempdir(), "run-%d.log" % int(time.time()))
            with open(stamp, "a") as log:  # expect
                log.write("started")
            copy = "/tmp/{}.bak".format(event["id"])
            shutil.copy(local, copy)  # expect
            s3.download_file(Bucket="b", Key="k", Filename=f"/tmp/{event['id']}.bin")  # expect
            with pathlib.Path(f"/tmp/{event['id']}.txt").open("w") as out:  # expect
                out.write("x")
            return {"ok": True}
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_tempfile_creations_are_per_invocation(tmp_path):
    source = '''
        import os
        import tempfile

        import boto3
        from PIL import Image

        s3 = boto3.client("s3")

        def _download(bucket, key):
            fd, path = tempfile.mkstemp(suffix=os.path.splitext(key)[1])  # expect
            with os.fdopen(fd, "wb") as fh:
                s3.download_fileobj(bucket, key, fh)
            return path

        def _thumbnail(path):
            out = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)  # expect
            with Image.open(path) as img:
                img.save(out, "JPEG")
            out.close()
            return out.name

        def _scratch():
            workdir = tempfile.mkdtemp(prefix="job-")  # expect
            with open(os.path.join(workdir, "a.txt"), "w") as fh:
                fh.write("a")
            return 1

        def lambda_handler(event, context):
            thumb = _thumbnail(_download(event["bucket"], event["key"]))
            s3.upload_file(thumb, event["bucket"], "thumbs/x.jpg")
            return _scratch()
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_early_return_skips_the_removal(tmp_path):
    source = '''
        import os
        import zipfile

        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            archive = os.path.join("/tmp", os.path.basename(event["key"]))
            s3.download_file(event["bucket"], event["key"], archive)  # expect
            with zipfile.ZipFile(archive) as zf:
                members = zf.namelist()
                if not members:
                    return {"files": 0}
            os.remove(archive)
            return {"files": len(members)}
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_directory_kept_in_self_is_reported(tmp_path):
    source = '''
        import os
        import subprocess
        import tempfile

        class Renderer:
            def __init__(self):
                self.workdir = tempfile.mkdtemp(prefix="invoice-")  # expect

            def render(self, invoice_id, html):
                out = os.path.join(self.workdir, f"{invoice_id}.pdf")
                subprocess.run(["wkhtmltopdf", "-", out], input=html.encode(), check=True)
                return out

        def lambda_handler(event, context):
            return Renderer().render(event["id"], event["html"])
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_message_and_suggestion(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import os

        def lambda_handler(event, context):
            workdir = os.path.join("/tmp", context.aws_request_id)
            os.makedirs(workdir, exist_ok=True)
            return workdir
    '''}, TMP)
    [diag] = result.diagnostics
    assert diag.line == 6
    assert diag.message.startswith("`os.makedirs` creates the directory `workdir` under /tmp with a per-invocation name")
    assert "shutil.rmtree(workdir" in diag.suggestion and "TemporaryDirectory" in diag.suggestion


def test_removed_on_every_path_is_silent(tmp_path):
    source = '''
        import csv
        import gzip
        import json
        import os
        import pathlib
        import shutil
        import tempfile
        import uuid

        import boto3

        s3 = boto3.client("s3")

        def _load(key):
            fd, path = tempfile.mkstemp(suffix=".json")
            try:
                with os.fdopen(fd, "wb") as fh:
                    s3.download_fileobj("b", key, fh)
                with open(path) as fh:
                    return json.load(fh)
            finally:
                os.remove(path)

        def _export(rows, key):
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "rows.csv")
                with open(out, "w", newline="") as fh:
                    csv.writer(fh).writerows(rows)
                s3.upload_file(out, "b", key)

        def _archive(rows, key):
            with tempfile.NamedTemporaryFile(suffix=".json.gz") as tmp:
                tmp.write(gzip.compress(json.dumps(rows).encode()))
                s3.upload_file(tmp.name, "b", key)

        def _source_size(key):
            workdir = tempfile.mkdtemp()
            try:
                local = os.path.join(workdir, os.path.basename(key))
                s3.download_file("b", key, local)
                return os.path.getsize(local)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)

        def _straight(key):
            path = f"/tmp/{uuid.uuid4()}"
            s3.download_file("b", key, path)
            size = os.path.getsize(path)
            if os.path.exists(path):
                os.remove(path)
            return size

        def _pathlib(key):
            report = pathlib.Path("/tmp") / f"{key}.json"
            report.write_text("{}")
            s3.upload_file(str(report), "b", key)
            report.unlink(missing_ok=True)

        def _named(key):
            with tempfile.NamedTemporaryFile(delete=False) as tmp:
                tmp.write(b"x")
            try:
                s3.upload_file(tmp.name, "b", key)
            finally:
                os.unlink(tmp.name)

        def _in_temp_dir(key):
            holder = tempfile.TemporaryDirectory()
            fd, path = tempfile.mkstemp(dir=holder.name)
            os.close(fd)
            return path

        def _per_branch(key):
            path = f"/tmp/{key}"
            s3.download_file("b", key, path)
            if key.endswith(".gz"):
                os.remove(path)
                return "gz"
            os.remove(path)
            return "plain"

        def lambda_handler(event, context):
            rows = _load(event["input"])["rows"]
            _export(rows, f"exports/{context.aws_request_id}.csv")
            _archive(rows, f"archive/{context.aws_request_id}.json.gz")
            _pathlib(event["id"])
            _named(event["id"])
            _in_temp_dir(event["id"])
            _per_branch(event["id"])
            return _source_size(event["input"]) + _straight(event["input"])
    '''
    found, expected = marked(tmp_path, source)
    assert expected == set() and found == set()


def test_fixed_paths_are_bounded(tmp_path):
    source = '''
        import json
        import os

        import boto3

        s3 = boto3.client("s3")
        MODEL_PATH = "/tmp/churn-model.json"
        CACHE_DIR = os.path.join("/tmp", "cache")
        MODEL_NAME = os.environ.get("MODEL", "ranker")
        _audit = open("/tmp/audit.jsonl", "a")

        def _model():
            if not os.path.exists(MODEL_PATH):
                s3.download_file("models", "churn.json", MODEL_PATH)
            with open(MODEL_PATH) as fh:
                return json.load(fh)

        def lambda_handler(event, context):
            weights = _model()
            os.makedirs(CACHE_DIR, exist_ok=True)
            with open("/tmp/last-input.json", "w") as fh:
                json.dump(event, fh)
            with open(f"/tmp/{MODEL_NAME}.onnx", "wb") as fh:
                fh.write(b"")
            with open(os.path.join(CACHE_DIR, os.environ["STAGE"] + ".json"), "w") as fh:
                fh.write("{}")
            with open(f"/tmp/{event['id']}.json") as fh:
                fh.read()
            with open(f"/mnt/efs/{event['id']}.json", "w") as fh:
                fh.write("{}")
            _audit.write(json.dumps(event))
            return weights
    '''
    found, expected = marked(tmp_path, source)
    assert expected == set() and found == set()


def test_removal_by_helper_caller_or_class_method(tmp_path):
    source = '''
        import os
        import shutil
        import tempfile
        import uuid

        import boto3

        s3 = boto3.client("s3")

        def _cleanup(folder):
            shutil.rmtree(folder, ignore_errors=True)

        def _fetch(bucket, key):
            path = f"/tmp/{uuid.uuid4()}"
            s3.download_file(bucket, key, path)
            return path

        class Workspace:
            def __init__(self):
                self.root = tempfile.mkdtemp()

            def close(self):
                shutil.rmtree(self.root, ignore_errors=True)

        def _job(key):
            workdir = tempfile.mkdtemp()
            try:
                s3.download_file("b", key, os.path.join(workdir, "in"))
            finally:
                _cleanup(workdir)

        def lambda_handler(event, context):
            local = _fetch(event["bucket"], event["key"])
            try:
                size = os.path.getsize(local)
            finally:
                os.remove(local)
            ws = Workspace()
            try:
                _job(event["key"])
            finally:
                ws.close()
            return size
    '''
    found, expected = marked(tmp_path, source)
    assert expected == set() and found == set()


def test_returned_path_not_removed_by_every_caller(tmp_path):
    source = '''
        import os
        import uuid

        import boto3

        s3 = boto3.client("s3")

        def _fetch(bucket, key):
            path = f"/tmp/{uuid.uuid4()}"
            s3.download_file(bucket, key, path)  # expect
            return path

        def _first(event):
            local = _fetch(event["bucket"], event["key"])
            try:
                return os.path.getsize(local)
            finally:
                os.remove(local)

        def _second(event):
            local = _fetch(event["bucket"], event["other"])
            return os.path.getsize(local)

        def lambda_handler(event, context):
            return _first(event) + _second(event)
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_lazy_workdir_sweeps_and_cold_code_are_silent(tmp_path):
    source = '''
        import glob
        import os
        import shutil
        import tempfile
        import uuid

        _workdir = None

        def workdir():
            global _workdir
            if _workdir is None:
                _workdir = tempfile.mkdtemp()
            return _workdir

        def _sweep():
            for stale in glob.glob("/tmp/render-*"):
                os.remove(stale)
            shutil.rmtree("/tmp/jobs", ignore_errors=True)

        def purge_old(prefix):
            # operator tool, never called by the handler
            fd, manifest = tempfile.mkstemp(suffix=".txt")
            return manifest

        def lambda_handler(event, context):
            _sweep()
            with open(f"/tmp/render-{uuid.uuid4()}.html", "w") as fh:
                fh.write(event["html"])
            os.makedirs(f"/tmp/jobs/{event['id']}", exist_ok=True)
            return workdir()
    '''
    found, expected = marked(tmp_path, source)
    assert expected == set() and found == set()


def test_one_report_per_created_folder(tmp_path):
    source = '''
        import os
        import tempfile

        def lambda_handler(event, context):
            fd, path = tempfile.mkstemp()  # expect
            os.close(fd)
            with open(path, "w") as fh:
                fh.write(event["body"])
            root = f"/tmp/{event['id']}"
            os.makedirs(root)  # expect
            with open(os.path.join(root, "a.txt"), "w") as fh:
                fh.write("a")
            for name in event["files"]:
                with open(os.path.join(root, name), "w") as fh:
                    fh.write(name)
            return path
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_creation_in_a_loop_removed_in_the_loop_is_silent(tmp_path):
    source = '''
        import os

        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            total = 0
            for record in event["Records"]:
                key = record["s3"]["object"]["key"]
                local = f"/tmp/{os.path.basename(key)}"
                s3.download_file(record["s3"]["bucket"]["name"], key, local)
                total += os.path.getsize(local)
                os.remove(local)
            for record in event["Records"]:
                key = record["s3"]["object"]["key"]
                s3.download_file("b", key, "/tmp/" + os.path.basename(key))  # expect
            return total
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_lam501_in_a_package_helper(tmp_path):
    found = findings(tmp_path, {
        "app.py": '''
            from reports.storage import write_report

            def lambda_handler(event, context):
                return {"report": write_report({"n": len(event["sales"])})}
        ''',
        "reports/__init__.py": '''
            VERSION = "1.0"
        ''',
        "reports/storage.py": '''
            import json
            import os
            import uuid

            def write_report(report):
                path = os.path.join("/tmp", f"report-{uuid.uuid4().hex}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(report, fh)
                return path

            def unused(report):
                with open(f"/tmp/{uuid.uuid4()}", "w") as fh:
                    json.dump(report, fh)
        ''',
    }, TMP)
    assert found == {("reports/storage.py", 8, "LAM501")}


def test_names_fixed_for_the_environment_are_bounded(tmp_path):
    source = '''
        import os

        SIZES = (64, 128)

        def lambda_handler(event, context):
            for size in SIZES:
                with open(f"/tmp/thumb-{size}.jpg", "wb") as fh:
                    fh.write(b"")
            for name in ("a", "b"):
                with open(f"/tmp/{name}.txt", "w") as fh:
                    fh.write("")
            with open(f"/tmp/{context.function_name}-{os.getpid()}.log", "a") as fh:
                fh.write("x")
            for record in event["records"]:
                with open(f"/tmp/{record['id']}.txt", "w") as fh:  # expect
                    fh.write("")
            return {}
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_whole_tmp_sweeps_bound_the_disk(tmp_path):
    source = '''
        import os
        import uuid

        import boto3

        s3 = boto3.client("s3")
        TMP_DIR = "/tmp"

        def _wipe():
            for root, dirs, files in os.walk(TMP_DIR, topdown=False):
                for name in files:
                    os.remove(os.path.join(root, name))

        def lambda_handler(event, context):
            _wipe()
            s3.download_file("b", event["key"], f"/tmp/{uuid.uuid4()}")
            return {}
    '''
    assert marked(tmp_path, source) == (set(), set())


def test_shell_rm_sweep_bounds_the_disk(tmp_path):
    source = '''
        import os
        import subprocess

        import boto3

        s3 = boto3.client("s3")

        def fetch(event):
            name = "/tmp/" + event["key"].split("/")[-1]
            os.system("rm -rf /tmp/*")
            s3.download_file(event["bucket"], event["key"], name)
            return name

        def convert(event):
            subprocess.run(["rm", "-rf", "/tmp/out"], check=True)
            out = f"/tmp/out/{event['id']}"
            os.makedirs(out)
            return out

        def lambda_handler(event, context):
            return fetch(event), convert(event)
    '''
    assert marked(tmp_path, source) == (set(), set())


def test_list_of_paths_removed_in_a_loop(tmp_path):
    source = '''
        import os

        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            paths = []
            for key in event["keys"]:
                local = f"/tmp/{os.path.basename(key)}"
                s3.download_file("b", key, local)
                paths.append(local)
            merge(paths)
            for path in paths:
                os.remove(path)
            return len(paths)
    '''
    assert marked(tmp_path, source) == (set(), set())


def test_wrapped_tempfile_results_are_followed(tmp_path):
    source = '''
        import os
        import shutil
        import tempfile
        from pathlib import Path

        import boto3

        s3 = boto3.client("s3")

        def removed(key):
            tmp = Path(tempfile.mkdtemp())
            try:
                s3.download_file("b", key, str(tmp / "x"))
            finally:
                shutil.rmtree(tmp)

        def also_removed(key):
            path = tempfile.mkstemp()[1]
            s3.download_file("b", key, path)
            os.remove(path)

        def kept(key):
            path = tempfile.mkstemp()[1]  # expect
            return os.path.getsize(path)

        def lambda_handler(event, context):
            removed(event["k"])
            also_removed(event["k"])
            return kept(event["k"])
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_reads_and_non_file_opens_are_not_creations(tmp_path):
    source = '''
        import asyncio
        import uuid

        import aiofiles
        from PIL import Image

        async def _save(event):
            async with aiofiles.open(f"/tmp/{uuid.uuid4()}.json", "w") as fh:  # expect
                await fh.write(event["body"])

        def lambda_handler(event, context):
            with Image.open(f"/tmp/{event['image']}.png") as img:
                img.load()
            with open(f"/tmp/{event['id']}.json", "rb") as fh:
                fh.read()
            mode = event["mode"]
            with open(f"/tmp/{event['id']}.log", mode) as fh:
                fh.read()
            asyncio.run(_save(event))
            return {}
    '''
    found, expected = marked(tmp_path, source)
    assert found == expected


def test_lam501_path_handed_to_a_helper_that_creates_it(tmp_path):
    from .helpers import run_check

    result = run_check(tmp_path, {"app.py": '''
        import os
        import uuid

        def write_report(path, data):
            with open(path, "wb") as fh:
                fh.write(data)

        def write_and_clean(path, data):
            with open(path, "wb") as fh:
                fh.write(data)
            os.remove(path)

        def lambda_handler(event, context):
            out = f"/tmp/report-{uuid.uuid4()}.csv"
            write_report(out, event["csv"].encode())
            kept = f"/tmp/kept-{uuid.uuid4()}.csv"
            write_report(kept, b"x")
            os.remove(kept)
            write_and_clean(f"/tmp/scratch-{uuid.uuid4()}", b"y")
            write_report("/tmp/fixed.csv", b"z")
            return {"ok": True}
    '''}, {"LAM501"})
    assert {(d.line, d.message) for d in result.diagnostics} == {
        (16, "`write_report` creates the file `out` under /tmp with a per-invocation name and nothing removes it; "
             "/tmp outlives the invocation, so these pile up until the disk is full"),
    }
