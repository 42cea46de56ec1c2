"""LAM201-LAM203: connections and clients."""
from .helpers import findings, run_check

LAM2 = {"LAM201", "LAM202", "LAM203"}


def test_closing_a_module_connection_in_the_handler(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import psycopg2
        from concurrent.futures import ThreadPoolExecutor

        conn = psycopg2.connect(os.environ["DSN"])
        _pool = ThreadPoolExecutor(max_workers=2)
        _log = open("/tmp/audit.log", "a")

        def lambda_handler(event, context):
            try:
                return conn.cursor().execute("SELECT 1")
            finally:
                conn.close()
                _pool.shutdown()
                _log.close()
    '''}, LAM2) == {("app.py", 14, "LAM201"), ("app.py", 15, "LAM201"), ("app.py", 16, "LAM201")}


def test_lam201_message(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import pymysql as mysql
        db = mysql.connect(host="db")

        def handler(event, context):
            db.close()
    '''}, {"LAM201"})
    [diag] = result.diagnostics
    assert diag.message == (
        "module-level `db` (bound on line 3, pymysql.connect(...)) is closed with `close()` on the warm path; "
        "the next invocation in this environment will use it closed"
    )


def test_shutdown_only_close_and_reconnecting_getter_are_fine(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import atexit, signal, os
        import psycopg2, redis

        cache = redis.Redis(host="cache")
        atexit.register(cache.close)
        _conn = None

        def _on_sigterm(signum, frame):
            cache.close()

        signal.signal(signal.SIGTERM, _on_sigterm)

        def get_connection():
            global _conn
            if _conn is None or _conn.closed:
                _conn = psycopg2.connect(os.environ["DSN"])
            return _conn

        def lambda_handler(event, context):
            conn = get_connection()
            try:
                conn.cursor().execute("SELECT 1")
            except psycopg2.OperationalError:
                conn.close()
                _conn.close()
                raise
    '''}, LAM2) == set()


def test_disposing_a_module_engine_is_not_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from sqlalchemy import create_engine
        engine = create_engine("postgresql://db")

        def lambda_handler(event, context):
            with engine.begin() as conn:
                conn.execute("SELECT 1")
            engine.dispose()
    '''}, LAM2) == set()


def test_clients_built_per_invocation(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3 as b3
        import redis

        class Writer:
            def __init__(self):
                self.table = b3.resource("dynamodb").Table("orders")

        def _enqueue(order_id):
            b3.client("sqs").send_message(QueueUrl="q", MessageBody=order_id)

        def lambda_handler(event, context):
            Writer()
            _enqueue(event["id"])
            r = redis.Redis(host="cache")
            try:
                return r.get("k")
            finally:
                r.close()
    '''}, LAM2) == {("app.py", 7, "LAM202"), ("app.py", 10, "LAM202"), ("app.py", 15, "LAM202")}


def test_reused_clients_are_fine(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import functools, os
        import boto3, psycopg2

        s3 = boto3.client("s3")
        _secrets = None
        _clients = {}

        @functools.cache
        def table():
            return boto3.resource("dynamodb").Table("orders")

        @functools.lru_cache(maxsize=8)
        def regional(region):
            return boto3.client("s3", region_name=region)

        def secrets():
            global _secrets
            if _secrets is None:
                _secrets = boto3.client("secretsmanager")
            return _secrets

        def client_for(region):
            if region not in _clients:
                _clients[region] = boto3.client("sqs", region_name=region)
            return _clients[region]

        class Repo:
            def __init__(self):
                self._conn = None

            def conn(self):
                if self._conn is None:
                    self._conn = psycopg2.connect("dsn")
                return self._conn

        def _connect():
            return psycopg2.connect(os.environ["DSN"])

        _db = None

        def db():
            global _db
            if _db is None:
                _db = _connect()
            return _db

        def lambda_handler(event, context):
            Repo().conn()
            return s3, table(), regional("eu-west-1"), secrets(), client_for("eu-west-1"), db()
    '''}, LAM2) == set()


def test_leaked_connections(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import aiohttp, asyncio, pymysql, requests
        from pymongo import MongoClient

        class Store:
            def __init__(self):
                self.client = MongoClient(os.environ["MONGO"])

        def _fetch(url):
            http = requests.Session()
            return http.get(url, timeout=5).json()

        async def _post(url):
            session = aiohttp.ClientSession()
            async with session.post(url) as resp:
                return resp.status

        def lambda_handler(event, context):
            Store()
            conn = pymysql.connect(host="db")
            if not event.get("rows"):
                return {"archived": 0}
            conn.commit()
            conn.close()
            asyncio.run(_post(event["url"]))
            return _fetch(event["url"])
    '''}, LAM2) == {("app.py", 8, "LAM203"), ("app.py", 11, "LAM203"), ("app.py", 15, "LAM203"), ("app.py", 21, "LAM203")}


def test_closed_on_every_path_is_lam202_not_lam203(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import httpx, pymysql

        class Crm:
            def __init__(self):
                self.http = httpx.Client()

            def close(self):
                self.http.close()

        def lambda_handler(event, context):
            with pymysql.connect(host="db") as conn:
                conn.commit()
            with httpx.Client(timeout=5) as client:
                client.get("https://example.com")
            conn2 = pymysql.connect(host="db")
            conn2.commit()
            conn2.close()
            crm = Crm()
            crm.close()
            return {}
    '''}, LAM2) == {("app.py", 6, "LAM202"), ("app.py", 12, "LAM202"), ("app.py", 14, "LAM202"), ("app.py", 16, "LAM202")}


def test_extend_clients_from_configuration(tmp_path):
    class Config:
        extend_clients = ["acme.db.connect"]
        handlers = []
        src = []

    assert findings(tmp_path, {"app.py": '''
        from acme import db

        def lambda_handler(event, context):
            conn = db.connect("dsn")
            try:
                return conn.query()
            finally:
                conn.close()
    '''}, LAM2, config=Config()) == {("app.py", 5, "LAM202")}
