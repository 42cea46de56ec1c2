"""LAM401-LAM403: caches that only grow, and caches of remote data with no expiry."""
from .helpers import findings, run_check

LAM4 = {"LAM401", "LAM402", "LAM403"}
SIZE = {"LAM401", "LAM402"}


# -- LAM401 unbounded-dict-cache ----------------------------------------------------------------

def test_memo_dicts_are_lam401_at_the_store(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import collections
        import boto3

        users = boto3.resource("dynamodb").Table("users")
        _profiles = {}
        _rates = collections.defaultdict(float)
        _teams = {}

        def profile(user_id):
            if user_id in _profiles:
                return _profiles[user_id]
            item = users.get_item(Key={"id": user_id}).get("Item", {})
            _profiles[user_id] = item
            return item

        def rate(base, quote):
            key = (base, quote)
            cached = _rates.get(key)
            if cached is None:
                cached = fetch(base, quote)
                _rates[key] = cached
            return cached

        def lambda_handler(event, context):
            p = profile(event["user"])
            team = None
            if p.get("team"):
                team = _teams.get(p["team"])
                if team is None:
                    team = fetch_team(p["team"])
                    _teams[p["team"]] = team
            return {"rate": rate(event["cur"], "EUR"), "team": team}
    '''}, SIZE | {"LAM101", "LAM103"})
    assert found == {("app.py", 14, "LAM401"), ("app.py", 22, "LAM401"), ("app.py", 32, "LAM401")}


def test_lam401_message_names_the_dict_its_line_and_key(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        _places = {}

        class Geocoder:
            def lookup(self, address):
                hit = _places.get(address)
                if hit is not None:
                    return hit
                hit = geocode(address)
                _places[address] = hit
                return hit

        def lambda_handler(event, context):
            return Geocoder().lookup(event["address"])
    '''}, {"LAM401"})
    [diag] = result.diagnostics
    assert diag.line == 10
    assert "module-level dict `_places` (bound on line 2)" in diag.message
    assert "keyed by `address`" in diag.message
    assert "LRUCache" in diag.suggestion


def test_lam401_not_for_cachetools_eviction_or_fixed_keys(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import cachetools

        FLAGS_KEY = "flags"
        MAX = 32
        _templates = cachetools.LRUCache(maxsize=128)
        _schemas = {}
        _settings = {}
        _named = {}
        _versions = {}

        def template(name):
            if name not in _templates:
                _templates[name] = load(name)
            return _templates[name]

        def schema(name):
            if name in _schemas:
                return _schemas[name]
            if len(_schemas) >= MAX:
                _schemas.pop(next(iter(_schemas)))
            _schemas[name] = load(name)
            return _schemas[name]

        def flags():
            if "flags" not in _settings:
                _settings["flags"] = load("flags")
            if FLAGS_KEY not in _named:
                _named[FLAGS_KEY] = load("flags")
            return _settings["flags"], _named[FLAGS_KEY]

        def version(name):
            if name not in _versions:
                _versions[name] = load(name)
            return _versions[name]

        def forget(name):
            del _versions[name]

        def lambda_handler(event, context):
            forget(event["stale"])
            return template(event["t"]), schema(event["s"]), flags(), version(event["v"])
    '''}, LAM4 | {"LAM103"}) == set()


def test_lam401_not_when_reset_per_invocation_or_off_the_warm_path(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _seen = {}
        _scratch = {}
        _admin = {}

        def lookup(key):
            if key not in _seen:
                _seen[key] = load(key)
            return _seen[key]

        def reset():
            global _seen
            _seen = {}

        def rebuild(key):
            # admin script only
            if key not in _admin:
                _admin[key] = load(key)
            return _admin[key]

        def lambda_handler(event, context):
            _scratch.clear()
            if event["k"] not in _scratch:
                _scratch[event["k"]] = load(event["k"])
            if event.get("reset"):
                reset()
            return lookup(event["k"])
    '''}, {"LAM401"}) == set()


def test_lam401_not_for_local_dicts_counters_or_sets(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        _counts = {}
        _seen = set()

        def lambda_handler(event, context):
            cache = {}
            for key in event["keys"]:
                if key not in cache:
                    cache[key] = load(key)
            kind = event["kind"]
            if kind in _counts:
                _counts[kind] += 1
            if "x" not in _seen:
                _seen.add("x")
            return cache
    '''}, {"LAM401", "LAM101"})
    assert found == {("app.py", 12, "LAM101"), ("app.py", 14, "LAM101")}


def test_lam401_not_for_a_pool_of_clients(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3

        _clients = {}
        _sessions = {}

        def s3_for(region):
            if region not in _clients:
                _clients[region] = boto3.client("s3", region_name=region)
            return _clients[region]

        def session_for(account):
            found = _sessions.get(account)
            if found is None:
                found = boto3.Session(profile_name=account)
                _sessions[account] = found
            return found

        def lambda_handler(event, context):
            return s3_for(event["region"]), session_for(event["account"])
    '''}, LAM4) == set()


def test_lam401_in_an_imported_helper(tmp_path):
    found = findings(tmp_path, {
        "app.py": '''
            from lookups import region_name as name_of

            def lambda_handler(event, context):
                return {"name": name_of(event["region"])}
        ''',
        "lookups.py": '''
            _names = {}

            def region_name(code):
                found = _names.get(code)
                if found is None:
                    found = describe(code)
                    _names[code] = found
                return found
        ''',
    }, SIZE)
    assert found == {("lookups.py", 8, "LAM401")}


# -- LAM402 unbounded-lru-cache ----------------------------------------------------------------

def test_unbounded_functools_caches_are_lam402_at_the_decorator(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import functools
        import functools as ft
        from functools import cache, lru_cache as memo

        from aws_lambda_powertools import Tracer

        tracer = Tracer()

        @functools.cache
        def price_for(sku):
            return lookup(sku)

        @memo(maxsize=None)
        def load_schema(name, version):
            return fetch(name, version)

        @cache
        def label(code):
            return code.title()

        class Tax:
            @staticmethod
            @ft.lru_cache(None)
            def rate(country, category):
                return 0.19

            @functools.lru_cache(maxsize=None)
            def settings(self):
                return load("settings")

        @tracer.capture_method
        @functools.lru_cache(maxsize=None)
        def discount_for(customer_id, *extra):
            return 0

        @tracer.capture_lambda_handler
        def lambda_handler(event, context):
            load_schema("quote", event["v"])
            tax = Tax()
            return (price_for(event["sku"]), label(event["code"]), Tax.rate(event["country"], "food"),
                    tax.settings(), discount_for(event["customer"]))
    '''}, SIZE)
    assert found == {
        ("app.py", 10, "LAM402"),
        ("app.py", 14, "LAM402"),
        ("app.py", 18, "LAM402"),
        ("app.py", 24, "LAM402"),
        ("app.py", 28, "LAM402"),
        ("app.py", 33, "LAM402"),
    }


def test_lam402_message_and_range(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import functools

        @functools.lru_cache(maxsize=None)
        def price_for(sku, currency):
            return lookup(sku, currency)

        def lambda_handler(event, context):
            return price_for(event["sku"], "EUR")
    '''}, {"LAM402"})
    [diag] = result.diagnostics
    assert (diag.line, diag.column, diag.end_line) == (4, 1, 4)
    assert "`@functools.lru_cache(maxsize=None)` on `price_for(sku, currency)` has no size limit" in diag.message
    assert "maxsize=256" in diag.suggestion


def test_lam402_not_for_factories_bounded_caches_or_cold_code(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import functools
        from functools import lru_cache

        import boto3

        @functools.cache
        def s3():
            return boto3.client("s3")

        @functools.lru_cache(maxsize=None)
        def table():
            return boto3.resource("dynamodb").Table("t")

        @functools.lru_cache(maxsize=256)
        def category(cid):
            return table().get_item(Key={"id": cid})

        @lru_cache
        def region_label(code):
            return code.title()

        @lru_cache()
        def other_label(code):
            return code.upper()

        @lru_cache(64)
        def third_label(code):
            return code.lower()

        @functools.cache
        def rebuild_index(version):
            # deploy pipeline only
            return {"version": version}

        class Config:
            @classmethod
            @functools.cache
            def load(cls):
                return {}

        def lambda_handler(event, context):
            @functools.lru_cache(maxsize=None)
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)

            s3().put_object(Bucket="b", Key="k", Body=b"")
            return (category(event["c"]), region_label("eu"), other_label("x"), third_label("y"),
                    Config.load(), fib(event["n"]))
    '''}, SIZE) == set()


def test_lam402_not_when_every_call_passes_constants(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import functools
        import os

        STAGE = os.environ.get("STAGE", "prod")

        @functools.cache
        def table_name(kind):
            return f"{STAGE}-{kind}"

        @functools.cache
        def secret(name, region=None):
            return fetch(name, region)

        @functools.cache
        def mapped(code):
            return code.lower()

        def lambda_handler(event, context):
            names = list(map(mapped, event["codes"]))
            return (table_name("orders"), table_name(STAGE), secret("db", region=os.environ["AWS_REGION"]),
                    secret(os.getenv("KEY_NAME", "api")), names)
    '''}, SIZE)
    assert found == {("app.py", 15, "LAM402")}  # handed to map(): its arguments are not known


def test_lam402_two_imports_away(tmp_path):
    found = findings(tmp_path, {
        "app.py": '''
            import services as svc

            def lambda_handler(event, context):
                return svc.quote(event["customer"])
        ''',
        "services.py": '''
            from repository import tier

            def quote(customer_id):
                return {"tier": tier(customer_id)}
        ''',
        "repository.py": '''
            import functools

            @functools.lru_cache(maxsize=None)
            def load_customer(customer_id):
                return {"id": customer_id}

            @functools.lru_cache(maxsize=None)
            def unused(customer_id):
                return {}

            def tier(customer_id):
                return load_customer(customer_id).get("tier")
        ''',
    }, SIZE)
    assert found == {("repository.py", 4, "LAM402")}


# -- LAM403 cache-without-ttl (off by default) --------------------------------------------------

REMOTE_CACHES = {"app.py": '''
    import functools
    import json
    import os
    from functools import lru_cache

    import boto3
    import requests
    from cachetools import LRUCache, cached

    secrets = boto3.client("secretsmanager")
    ssm = boto3.client("ssm")
    prices = boto3.resource("dynamodb").Table(os.environ["PRICES"])
    _api_key = None
    _prices = {}

    @functools.cache
    def db_credentials():
        return json.loads(secrets.get_secret_value(SecretId="db")["SecretString"])

    @lru_cache(maxsize=32)
    def flags(environment, timeout=5):
        raw = ssm.get_parameter(Name=f"/flags/{environment}")["Parameter"]["Value"]
        return json.loads(raw)

    def api_key():
        global _api_key
        if _api_key is None:
            _api_key = ssm.get_parameter(Name="/key", WithDecryption=True)["Parameter"]["Value"]
        return _api_key

    def price(sku):
        if sku in _prices:
            return _prices[sku]
        if len(_prices) >= 500:
            _prices.clear()
        item = prices.get_item(Key={"sku": sku}).get("Item", {})
        _prices[sku] = item
        return item

    @cached(LRUCache(maxsize=16))
    def rates(base):
        return requests.get("https://rates.example.com", params={"base": base}, timeout=5).json()

    def _fetch_config(name):
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]

    @functools.lru_cache(maxsize=8)
    def config(name):
        return _fetch_config(name)

    def lambda_handler(event, context):
        return (db_credentials(), flags("prod"), api_key(), price(event["sku"]), rates("EUR"),
                config("/app/config"))
'''}


def test_lam403_is_off_by_default(tmp_path):
    result = run_check(tmp_path, REMOTE_CACHES)
    assert not any(d.code == "LAM403" for d in result.diagnostics)


def test_remote_data_cached_without_expiry_is_lam403(tmp_path):
    found = findings(tmp_path, REMOTE_CACHES, {"LAM403"})
    assert found == {
        ("app.py", 17, "LAM403"),  # zero-argument memo of a secret
        ("app.py", 21, "LAM403"),  # bounded lru_cache of a parameter
        ("app.py", 29, "LAM403"),  # lazily initialised global
        ("app.py", 38, "LAM403"),  # size-bounded dict memo
        ("app.py", 41, "LAM403"),  # cachetools cached(LRUCache)
        ("app.py", 48, "LAM403"),  # through a helper that fetches
    }


def test_lam403_messages(tmp_path):
    result = run_check(tmp_path, REMOTE_CACHES, {"LAM403"})
    by_line = {d.line: d for d in result.diagnostics}
    assert "`@functools.cache` on `db_credentials` keeps a value fetched from a remote service " \
           "(`secrets.get_secret_value`)" in by_line[17].message
    assert "module-level `_api_key` (bound on line 14) is initialised once" in by_line[29].message
    assert "(`ssm.get_parameter`)" in by_line[29].message
    assert "module-level dict `_prices` (bound on line 15) caches values" in by_line[38].message
    assert "max_age" in by_line[17].suggestion and "TTLCache" in by_line[38].suggestion


def test_lam403_not_with_an_expiry(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import functools
        import time

        import boto3
        import requests
        from aws_lambda_powertools.utilities import parameters
        from cachetools import TTLCache, cached

        secrets = boto3.client("secretsmanager")
        _secret_cache = TTLCache(maxsize=16, ttl=300)
        _tokens = {}
        _token = None
        _token_at = 0.0

        def secret(name):
            if name not in _secret_cache:
                _secret_cache[name] = secrets.get_secret_value(SecretId=name)["SecretString"]
            return _secret_cache[name]

        @cached(TTLCache(maxsize=8, ttl=120))
        def limits(plan):
            return parameters.get_parameter(f"/limits/{plan}", transform="json")

        def token(audience):
            entry = _tokens.get(audience)
            if entry is not None and time.monotonic() - entry[1] < 300:
                return entry[0]
            value = requests.post("https://auth", data={"aud": audience}, timeout=5).json()["token"]
            now = time.monotonic()
            _tokens[audience] = (value, now)
            return value

        def service_token():
            global _token, _token_at
            if _token is None or time.time() - _token_at > 300:
                _token = requests.post("https://auth", timeout=5).json()["token"]
                _token_at = time.time()
            return _token

        @functools.lru_cache(maxsize=4)
        def signing_key(name, ttl_hash=None):
            return secrets.get_secret_value(SecretId=name)["SecretString"]

        @functools.lru_cache(maxsize=4)
        def partner_key(name):
            return parameters.get_secret(name, max_age=300)

        def lambda_handler(event, context):
            key = parameters.get_secret("partner/api-key", max_age=300)
            return (secret("s"), limits("free"), token(event["aud"]), service_token(),
                    signing_key("k", ttl_hash=round(time.time() / 300)), partner_key("p"), key)
    '''}, {"LAM403"}) == set()


def test_lam403_ttl_hash_passed_by_the_caller(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time
        from functools import lru_cache

        import requests

        @lru_cache(maxsize=1)
        def _jwks(url, bucket):
            return requests.get(url, timeout=5).json()

        def jwks(url):
            now = int(time.time())
            return _jwks(url, now // 3600)

        def lambda_handler(event, context):
            return jwks("https://issuer/.well-known/jwks.json")
    '''}, {"LAM403"}) == set()


def test_lam403_not_for_clients_connections_or_stable_lookups(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import functools
        import json
        import os

        import boto3
        import psycopg2

        secrets = boto3.client("secretsmanager")
        sqs_client = boto3.client("sqs")
        _conn = None
        _key = None

        @functools.cache
        def sqs():
            return boto3.client("sqs")

        @functools.cache
        def table():
            return boto3.resource("dynamodb").Table(os.environ["JOBS"])

        @functools.lru_cache(maxsize=8)
        def queue_url(name):
            return sqs_client.get_queue_url(QueueName=name)["QueueUrl"]

        @functools.lru_cache(maxsize=8)
        def presigned(key):
            return boto3.client("s3").generate_presigned_url("get_object", Params={"Key": key})

        def connection():
            global _conn
            if _conn is None or _conn.closed:
                creds = json.loads(secrets.get_secret_value(SecretId="db")["SecretString"])
                _conn = psycopg2.connect(host=creds["host"], password=creds["password"])
            return _conn

        def key():
            global _key
            if _key is None:
                _key = secrets.get_secret_value(SecretId="k")["SecretString"]
            return _key

        def on_auth_failure():
            global _key
            _key = None

        def lambda_handler(event, context):
            if event.get("denied"):
                on_auth_failure()
            job = table().get_item(Key={"id": event["id"]}).get("Item", {})
            sqs().send_message(QueueUrl=queue_url("jobs"), MessageBody=json.dumps(job))
            return connection(), key(), presigned("k")
    '''}, {"LAM403"}) == set()


def test_lam403_refreshed_every_call_is_not_a_cache(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import boto3

        ssm = boto3.client("ssm")
        _flags = None

        def lambda_handler(event, context):
            global _flags
            _flags = ssm.get_parameter(Name="/flags")["Parameter"]["Value"]
            return _flags
    '''}, {"LAM403", "LAM102"})
    # Neither: refreshed first thing on every invocation, before anything reads it (not LAM102 either).
    assert found == set()


def test_size_rules_take_the_site_from_lam403(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import functools
        import boto3

        secrets = boto3.client("secretsmanager")
        users = boto3.resource("dynamodb").Table("users")
        _users = {}

        def user(user_id):
            cached = _users.get(user_id)
            if cached is None:
                cached = users.get_item(Key={"id": user_id}).get("Item", {})
                _users[user_id] = cached
            return cached

        @functools.lru_cache(maxsize=None)
        def secret(name):
            return secrets.get_secret_value(SecretId=name)["SecretString"]

        def lambda_handler(event, context):
            return user(event["id"]), secret(f"tenants/{event['tenant']}")
    '''}, LAM4)
    assert found == {("app.py", 13, "LAM401"), ("app.py", 16, "LAM402")}


def test_lam403_follows_with_blocks_and_memoised_handles(tmp_path):
    found = findings(tmp_path, {"app.py": '''
        import functools
        import json
        import urllib.request

        import boto3

        _docs = {}

        @functools.cache
        def dynamodb():
            return boto3.resource("dynamodb")

        @functools.lru_cache(maxsize=16)
        def document(url):
            with urllib.request.urlopen(url, timeout=5) as resp:
                body = json.load(resp)
            return body

        def item(key):
            if key not in _docs:
                _docs[key] = dynamodb().Table("docs").get_item(Key={"k": key})["Item"]
                if len(_docs) > 100:
                    _docs.clear()
            return _docs[key]

        def lambda_handler(event, context):
            return document(event["url"]), item(event["k"])
    '''}, {"LAM403"})
    assert found == {("app.py", 14, "LAM403"), ("app.py", 22, "LAM403")}
