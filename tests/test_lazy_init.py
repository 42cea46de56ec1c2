"""Lazy initialisation as a fact about the holder (LAM102, LAM202, LAM203, LAM403), and what a
connection is (LAM202/LAM203)."""
from .helpers import findings, run_check

HOLDER_RULES = {"LAM102", "LAM202", "LAM203", "LAM403"}


def messages(tmp_path, files, codes):
    result = run_check(tmp_path, files, codes)
    assert not result.internal_errors, result.internal_errors
    return {(d.line, d.code, d.message) for d in result.diagnostics}


# -- guards that count ---------------------------------------------------------------------

def test_first_call_flag_makes_the_block_one_time(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3

        _loaded = False
        _rows = []

        def load():
            global _loaded, _rows
            if not _loaded:
                table = boto3.resource("dynamodb").Table("catalog")
                _rows = table.scan()["Items"]
                _loaded = True
            return _rows

        def lambda_handler(event, context):
            return len(load())
    '''}, {"LAM102", "LAM202"}) == set()


def test_setter_called_only_under_the_callers_guard(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time
        import requests

        _token = None
        _expires_at = 0.0

        def _store(value, ttl):
            global _token, _expires_at
            _token = value
            _expires_at = time.time() + ttl

        def token():
            if not _token or time.time() >= _expires_at:
                body = requests.post("https://auth", timeout=5).json()
                _store(body["access_token"], body["expires_in"])
            return _token

        def lambda_handler(event, context):
            return token()
    '''}, {"LAM102"}) == set()


def test_setter_also_called_unguarded_is_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _last = None

        def _remember(value):
            global _last
            _last = value

        def lambda_handler(event, context):
            if _last is None:
                _remember(compute())
            _remember(compute())
            return _last
    '''}, {"LAM102"}) == {("app.py", 6, "LAM102")}


def test_early_return_guard_with_ping_in_try(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import psycopg2

        _conn = None

        def connection():
            global _conn
            if _conn and not _conn.closed:
                try:
                    _conn.cursor().execute("SELECT 1")
                    return _conn
                except Exception:
                    _conn = None
            _conn = psycopg2.connect(os.environ["DSN"])
            return _conn

        def lambda_handler(event, context):
            return connection().cursor().execute("SELECT 1")
    '''}, HOLDER_RULES) == set()


def test_client_per_key_through_a_local_read_from_the_holder(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3

        _clients = {}

        def client_for(region):
            client = _clients.get(region)
            if client is None:
                client = boto3.client("s3", region_name=region)
                _clients[region] = client
            return client

        def lambda_handler(event, context):
            return client_for(event["region"]).list_buckets()
    '''}, {"LAM202"}) == set()


def test_object_built_lazily_builds_its_client_once(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3

        class Repo:
            def __init__(self):
                self.table = boto3.resource("dynamodb").Table("orders")

        _repo = None

        def lambda_handler(event, context):
            global _repo
            if _repo is None:
                _repo = Repo()
            return _repo.table.get_item(Key={"id": event["id"]})
    '''}, {"LAM202"}) == set()


def test_object_built_per_invocation_builds_its_client_every_time(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3

        class Repo:
            def __init__(self):
                self.table = boto3.resource("dynamodb").Table("orders")

        def lambda_handler(event, context):
            return Repo().table.get_item(Key={"id": event["id"]})
    '''}, {"LAM202"}) == {("app.py", 6, "LAM202")}


# -- guards that do not count --------------------------------------------------------------

def test_counter_under_a_limit_is_not_lazy(tmp_path):
    assert messages(tmp_path, {"app.py": '''
        _calls = 0
        LIMIT = 1000

        def lambda_handler(event, context):
            global _calls
            if _calls < LIMIT:
                _calls += 1
                return "ok"
            return "quota exhausted"
    '''}, {"LAM102"}) == {(8, "LAM102", "module-level `_calls` (bound on line 2) is rebound on the warm path; its "
                               "value carries over to the next invocation in this environment")}


def test_parameter_shadowing_the_module_name_is_not_a_guard(tmp_path):
    assert messages(tmp_path, {"app.py": '''
        import boto3

        ddb = None

        def table_for(name, ddb):
            if not ddb:
                ddb = boto3.resource("dynamodb")
            return ddb.Table(name)

        def lambda_handler(event, context):
            return table_for("orders", ddb).get_item(Key={"id": event["id"]})
    '''}, {"LAM202"}) == {(8, "LAM202", "`boto3.resource(...)` builds a new SDK client on every invocation")}


def test_getter_defeated_by_a_close_every_invocation(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import pymysql

        _db = None

        def db():
            global _db
            if _db is None or not _db.open:
                _db = pymysql.connect(host="db")
            return _db

        def lambda_handler(event, context):
            conn = db()
            try:
                return conn.cursor().execute("SELECT 1")
            finally:
                conn.close()
    '''}, HOLDER_RULES | {"LAM201"}) == {("app.py", 9, "LAM202")}


def test_getter_closed_only_on_error_still_counts_as_lazy(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import pymysql

        _db = None

        def db():
            global _db
            if _db is None or not _db.open:
                _db = pymysql.connect(host="db")
            return _db

        def lambda_handler(event, context):
            conn = db()
            try:
                return conn.cursor().execute("SELECT 1")
            except Exception:
                conn.close()
                raise
    '''}, {"LAM202"}) == set()


# -- resets ------------------------------------------------------------------------------

def test_reset_to_none_or_literal_is_not_reported_by_itself(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _template = ""
        _status = "idle"

        def lambda_handler(event, context):
            global _template, _status
            try:
                _template = load()
            except KeyError:
                _template = None
            _status = "done"
            return _template
    '''}, {"LAM102"}) == {("app.py", 8, "LAM102")}


def test_reset_of_a_kept_counter_is_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        failures = 0

        def lambda_handler(event, context):
            global failures
            try:
                work()
            except Exception:
                failures += 1
                raise
            else:
                failures = 0
    '''}, {"LAM102"}) == {("app.py", 9, "LAM102"), ("app.py", 12, "LAM102")}


def test_stamp_set_first_thing_through_a_helper(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time

        _started = 0.0

        def mark_start():
            global _started
            _started = time.time()

        def lambda_handler(event, context):
            mark_start()
            return time.time() - _started
    '''}, {"LAM102"}) == set()


def test_stamp_set_after_other_work_is_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time

        count = 0
        _last = None

        def _touch():
            global _last
            _last = time.time()

        def lambda_handler(event, context):
            global count
            count += 1
            _touch()
    '''}, {"LAM102"}) == {("app.py", 9, "LAM102"), ("app.py", 13, "LAM102")}


def test_stamp_read_before_it_is_set_is_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time

        _last = None

        def lambda_handler(event, context):
            global _last
            idle = time.time() - _last if _last else None
            _last = time.time()
            return idle
    '''}, {"LAM102"}) == {("app.py", 9, "LAM102")}


# -- LAM403 and the first-call flag --------------------------------------------------------

def test_first_call_flag_cache_of_remote_data_is_lam403(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import json
        import urllib.request

        _loaded = False
        _catalog = []

        def load_catalog():
            global _loaded, _catalog
            if not _loaded:
                with urllib.request.urlopen("https://example.com/catalog", timeout=5) as resp:
                    _catalog = json.loads(resp.read())["items"]
                _loaded = True
            return _catalog

        def lambda_handler(event, context):
            return len(load_catalog())
    '''}, {"LAM102", "LAM403"}) == {("app.py", 12, "LAM403")}


def test_ttl_refresh_is_not_lam403(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time
        import boto3

        ssm = boto3.client("ssm")
        _value = None
        _fetched_at = 0.0

        def value():
            global _value, _fetched_at
            if _value is None or time.monotonic() - _fetched_at > 300:
                _value = ssm.get_parameter(Name="/p")["Parameter"]["Value"]
                _fetched_at = time.monotonic()
            return _value

        def lambda_handler(event, context):
            return value()
    '''}, {"LAM102", "LAM403"}) == set()


# -- what a connection is ------------------------------------------------------------------

def test_session_is_not_reported_but_its_clients_are(tmp_path):
    assert messages(tmp_path, {"app.py": '''
        import boto3

        def lambda_handler(event, context):
            region = boto3.session.Session().region_name
            session = boto3.Session()
            s3 = session.client("s3", region_name=region)
            return s3.list_buckets()
    '''}, {"LAM202", "LAM203"}) == {
        (7, "LAM202", "`session.client(...)` builds a new SDK client on every invocation"),
    }


def test_botocore_session_is_a_construction(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import botocore.session

        def lambda_handler(event, context):
            session = botocore.session.get_session()
            return session.create_client("s3").list_buckets()
    '''}, {"LAM202"}) == {("app.py", 5, "LAM202")}


def test_any_modules_connect_used_as_dbapi(tmp_path):
    assert messages(tmp_path, {"app.py": '''
        import acme_warehouse

        def lambda_handler(event, context):
            conn = acme_warehouse.connect(host="wh")
            cur = conn.cursor()
            cur.execute("SELECT 1")
            conn.commit()
            return cur.fetchone()
    '''}, {"LAM203"}) == {
        (5, "LAM203", "`acme_warehouse.connect(...)` opens a connection on every invocation and does not close "
                      "it on every path"),
    }


def test_connect_not_used_as_dbapi_is_not_a_connection(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import signals

        def lambda_handler(event, context):
            handle = signals.connect("order_placed", event["id"])
            return handle.id
    '''}, {"LAM202", "LAM203"}) == set()


def test_third_party_connection_class(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from graphclient.driver import RemoteGraphConnection

        def lambda_handler(event, context):
            conn = RemoteGraphConnection("wss://graph", "g")
            return query(conn, event["vertex"])
    '''}, {"LAM203"}) == {("app.py", 5, "LAM203")}


def test_project_connection_class_is_not_third_party(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class FakeConnection:
            def __init__(self, url):
                self.url = url

        def lambda_handler(event, context):
            conn = FakeConnection("x")
            return conn.url
    '''}, {"LAM202", "LAM203"}) == set()
