"""LAM101-LAM105: state that outlives the invocation."""
from .helpers import findings, run_check

LAM1 = {"LAM101", "LAM102", "LAM103", "LAM104", "LAM105"}


def test_module_list_appended_in_handler_is_lam101(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import time
        _samples = []
        _stats = {"n": 0}

        def lambda_handler(event, context):
            started = time.perf_counter()
            _stats["n"] += 1
            _samples.append(time.perf_counter() - started)
            return {}
    '''}, LAM1)
    assert found == {("app.py", 8, "LAM101"), ("app.py", 9, "LAM101")}


def test_message_names_the_binding_and_its_line(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        _seen = set()

        def lambda_handler(event, context):
            _seen.add("x")
    '''}, {"LAM101"})
    [diag] = result.diagnostics
    assert diag.message.startswith("module-level set `_seen` (bound on line 2) is mutated")
    assert "clear it" in diag.suggestion
    assert (diag.line, diag.column, diag.end_line, diag.end_column) == (5, 5, 5, 19)


def test_mutation_only_at_import_time_is_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        BY_CODE = {}
        for code in ("DE", "FR"):
            BY_CODE[code] = code.lower()
        BY_CODE.update({"UK": "gb"})

        def rebuild(rows):
            BY_CODE.update(rows)  # never called by the handler

        def lambda_handler(event, context):
            return BY_CODE.get(event["code"])
    '''}, LAM1) == set()


def test_local_shadow_is_not_the_global(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        results = []

        def lambda_handler(event, context):
            results = []
            results.append(1)
            return results
    '''}, LAM1) == set()


def test_reset_first_thing_exempts_mutations_in_helpers(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _phases = {}

        def _phase(name):
            _phases[name] = 1

        def lambda_handler(event, context):
            _phases.clear()
            _phase("download")
            return dict(_phases)
    '''}, LAM1) == set()


def test_clear_later_in_the_handler_does_not_exempt(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _phases = {}

        def lambda_handler(event, context):
            _phases["a"] += 1
            _phases.clear()
    '''}, LAM1) == {("app.py", 5, "LAM101")}


def test_global_augmented_bytearray_is_lam101_not_lam102(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _report = bytearray()

        def lambda_handler(event, context):
            global _report
            _report += b"x"
    '''}, LAM1) == {("app.py", 6, "LAM101")}


def test_counter_rebound_is_lam102(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        count = 0

        def lambda_handler(event, context):
            global count
            count += 1
            return count
    '''}, LAM1) == {("app.py", 6, "LAM102")}


def test_lazy_initialisation_is_not_lam102(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3
        _client = None
        _conn = None

        def client():
            global _client
            if _client is not None:
                return _client
            _client = boto3.client("s3")
            return _client

        def conn():
            global _conn
            if not _conn or _conn.closed:
                _conn = make()
            return _conn

        def make():
            return object()

        def lambda_handler(event, context):
            global _conn
            try:
                return client(), conn()
            except OSError:
                _conn = None
                raise
    '''}, LAM1) == set()


def test_request_data_in_global_follows_helpers(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import json
        _ids = []
        _user = None

        class _Scope:
            ip = None

        scope = _Scope()

        def _remember(body):
            _ids.append(body["id"])

        def lambda_handler(event, context):
            global _user
            claims = event["requestContext"]["claims"]
            _user = claims["sub"]
            scope.ip = event["ip"]
            _remember(json.loads(event["body"]))
    '''}, LAM1) == {("app.py", 12, "LAM103"), ("app.py", 17, "LAM103"), ("app.py", 18, "LAM103")}


def test_control_flow_dependence_is_not_request_data(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import collections
        _kinds = collections.Counter()

        def _note(exc):
            kind = "throttled" if "Throttl" in str(exc) else "failed"
            _kinds.update([kind])

        def lambda_handler(event, context):
            for record in event["Records"]:
                try:
                    handle(record)
                except ValueError as exc:
                    _note(exc)

        def handle(record):
            return record
    '''}, LAM1) == {("app.py", 7, "LAM101")}


def test_event_value_used_only_as_cache_key_is_not_lam103(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3
        from cachetools import TTLCache
        table = boto3.resource("dynamodb").Table("profiles")
        _profiles = TTLCache(maxsize=64, ttl=60)

        def _profile(user_id):
            if user_id not in _profiles:
                _profiles[user_id] = table.get_item(Key={"pk": user_id})
            return _profiles[user_id]

        def lambda_handler(event, context):
            return _profile(event["user"])
    '''}, LAM1) == set()


def test_mutable_defaults_on_the_warm_path_only(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import collections

        def _dedupe(records, seen=set()):
            return records

        async def _announce(keys, sent=list()):
            return sent

        def _group(items, buckets=collections.defaultdict(list)):
            return buckets

        def _ok(payload, fields=("id",), tags=None, flags=frozenset()):
            return payload

        def export_all(rows, out=[]):
            return out

        def lambda_handler(event, context):
            import asyncio
            asyncio.run(_announce([]))
            return _dedupe(_group(_ok(event)))
    '''}, LAM1) == {("app.py", 7, "LAM104"), ("app.py", 10, "LAM104")}  # _dedupe never touches `seen`


def test_class_attribute_mutations(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class Buffer:
            points = []

            def add(self, value):
                self.points.append(value)

        class Fresh:
            items = []

            def __init__(self):
                self.items = []

            def add(self, value):
                self.items.append(value)

        class Settings:
            overrides = {}

        class Tenant:
            name = "default"

        def lambda_handler(event, context):
            Buffer().add(1)
            Fresh().add(2)
            Settings.overrides.update({"region": "eu"})
            Tenant.name = event["tenant"]
    '''}, LAM1) == {("app.py", 6, "LAM105"), ("app.py", 27, "LAM103")}  # 26: a fixed key, config value


def test_one_code_per_site_request_data_beats_container(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        _headers = {}

        def lambda_handler(event, context):
            _headers.update(event.get("headers") or {})
    '''})
    assert [(d.line, d.code) for d in result.diagnostics] == [(5, "LAM103")]


def test_code_outside_the_warm_path_is_not_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _log = []

        def admin_tool():
            _log.append("x")

        def helper(record, context):  # (event, context) would make it a handler (catalog)
            _log.append("y")
    '''}) == set()
