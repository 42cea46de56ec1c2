"""The documented lists of APIs the rules know, by qualified name.

Names are matched after import aliases are resolved (``import boto3 as b3``
makes ``b3.client`` match ``boto3.client``). ``extend-clients`` in the
configuration adds constructors to :data:`CONNECTION_CONSTRUCTORS`.
"""

# LAM202: SDK clients and resources. They are not "connections" for LAM203:
# nothing leaks if one is dropped, it is only slow to build.
SDK_CONSTRUCTORS = frozenset(
    {
        "boto3.client",
        "boto3.resource",
        "botocore.session.get_session",
        "botocore.session.Session",
        "aioboto3.Session",
        "google.cloud.storage.Client",
    }
)

# LAM202: a boto3 session builds nothing by itself (it is cheap and holds no socket); a client
# or resource made from a per-invocation session is reported at ``session.client(...)``.
SESSION_CONSTRUCTORS = frozenset({"boto3.Session", "boto3.session.Session", "aioboto3.Session"})
SESSION_CLIENT_METHODS = frozenset({"client", "resource"})
# LAM203: what makes the result of any module's ``connect(...)`` a DB-API connection.
DBAPI_CONNECTION_METHODS = frozenset({"cursor", "commit", "rollback", "execute", "executemany"})

# LAM202 and LAM203: connections, sessions, pools and engines that hold sockets.
CONNECTION_CONSTRUCTORS = frozenset(
    {
        "psycopg2.connect",
        "psycopg2.pool.SimpleConnectionPool",
        "psycopg2.pool.ThreadedConnectionPool",
        "psycopg.connect",
        "psycopg.AsyncConnection.connect",
        "psycopg_pool.ConnectionPool",
        "pymysql.connect",
        "pymysql.connections.Connection",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "pg8000.connect",
        "pg8000.native.Connection",
        "asyncpg.connect",
        "asyncpg.create_pool",
        "aiomysql.connect",
        "aiomysql.create_pool",
        "cx_Oracle.connect",
        "oracledb.connect",
        "pyodbc.connect",
        "snowflake.connector.connect",
        "redshift_connector.connect",
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.cluster.RedisCluster",
        "pymongo.MongoClient",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "pymemcache.client.base.Client",
        "pymemcache.Client",
        "requests.Session",
        "requests.session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "urllib3.PoolManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "elasticsearch.Elasticsearch",
        "opensearchpy.OpenSearch",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
        "paramiko.SSHClient",
        "pika.BlockingConnection",
        "kafka.KafkaProducer",
        "kafka.KafkaConsumer",
        "confluent_kafka.Producer",
        "confluent_kafka.Consumer",
        "cassandra.cluster.Cluster",
        "neo4j.GraphDatabase.driver",
    }
)

# LAM201: calls that close a connection, client, session, pool or file.
CLOSE_METHODS = frozenset(
    {"close", "disconnect", "dispose", "shutdown", "quit", "terminate", "closeall", "destroy", "aclose"}
)

# LAM301
TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
TASK_METHODS = frozenset({"create_task"})  # loop.create_task(...)
TASK_WAITERS = frozenset({"gather", "wait", "wait_for", "as_completed", "shield", "run_until_complete"})

# LAM302: asyncio functions that return coroutines (a dropped call does nothing).
ASYNC_APIS = frozenset(
    {
        "asyncio.sleep",
        "asyncio.wait_for",
        "asyncio.wait",
        "asyncio.to_thread",
        "asyncio.open_connection",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
# Calls that take a coroutine and run, schedule or hand it on.
COROUTINE_CONSUMERS = frozenset(
    {"run", "gather", "create_task", "ensure_future", "wait_for", "shield", "run_until_complete",
     "run_coroutine_threadsafe", "wait", "as_completed", "start_soon"}
)

# LAM303
THREAD_CONSTRUCTORS = frozenset({"threading.Thread", "threading.Timer"})

# LAM304
EXECUTOR_CONSTRUCTORS = frozenset(
    {"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"}
)
FUTURE_RESOLVERS = frozenset({"wait", "as_completed", "gather", "wait_for"})
FUTURE_METHODS = frozenset({"result", "exception"})

# LAM305: they need /dev/shm (POSIX semaphores), which Lambda does not have.
MULTIPROCESSING_UNSUPPORTED = frozenset(
    f"multiprocessing.{name}"
    for name in (
        "Pool",
        "Queue",
        "SimpleQueue",
        "JoinableQueue",
        "Manager",
        "Lock",
        "RLock",
        "Semaphore",
        "BoundedSemaphore",
        "Condition",
        "Event",
        "Barrier",
        "Value",
        "Array",
        "pool.Pool",
        "pool.ThreadPool",
        "dummy.Pool",
        "managers.SyncManager",
        "sharedctypes.Value",
        "sharedctypes.Array",
    )
) | frozenset(
    {"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"}
)

# LAM402 / LAM403: memoising decorators from functools.
FUNCTOOLS_CACHE = "functools.cache"
FUNCTOOLS_LRU_CACHE = "functools.lru_cache"

# LAM101: methods that grow or change a container in place.
CONTAINER_MUTATORS = frozenset(
    {"append", "appendleft", "extend", "extendleft", "insert", "add", "update", "setdefault",
     "__setitem__", "rotate"}
)

# LAM501
TMP_PREFIXES = ("/tmp", "/var/tmp")
FILE_REMOVERS = frozenset(
    {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree", "shutil.move"}
)
PATH_REMOVE_METHODS = frozenset({"unlink", "rmdir"})

# LAM403: where a value comes from a remote service.
REMOTE_FUNCTIONS = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.request",
        "httpx.get",
        "httpx.post",
        "urllib.request.urlopen",
    }
)
TIME_FUNCTIONS = frozenset(
    {"time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now",
     "datetime.datetime.utcnow", "datetime.now", "datetime.utcnow"}
)

# LAM301 / LAM304: where an event loop comes from (``loop.create_task``, ``loop.run_in_executor``).
EVENT_LOOP_GETTERS = frozenset(
    {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop",
     "asyncio.events.get_running_loop", "asyncio.events.get_event_loop"}
)
# LAM301: structured concurrency; the ``async with`` exit waits for every task created in it.
TASK_GROUPS = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})
TASK_FINISHING_METHODS = frozenset({"result", "exception", "cancel"})
# LAM303: what waits for a started thread (``cancel`` only stops a Timer that has not fired).
THREAD_JOIN_METHODS = frozenset({"join"})
TIMER_CONSTRUCTORS = frozenset({"threading.Timer"})
# LAM304
EXECUTOR_SUBMIT_METHODS = frozenset({"submit"})
LOOP_EXECUTOR_METHODS = frozenset({"run_in_executor"})
# LAM305: ``multiprocessing.get_context(...).Pool()`` builds the same primitives.
MULTIPROCESSING_CONTEXTS = frozenset({"multiprocessing.get_context"})

# LAM403: more remote sources, and how cached remote values are recognised.
REMOTE_FUNCTIONS_MORE = frozenset(
    {"requests.request", "requests.head", "httpx.request", "urllib.request.urlretrieve", "urllib3.request"}
)
POWERTOOLS_PARAMETERS = "aws_lambda_powertools.utilities.parameters"
POWERTOOLS_FETCHERS = frozenset(
    {"get_parameter", "get_parameters", "get_parameters_by_name", "get_secret", "get_secrets_by_name",
     "get_app_config"}
)
# Methods of a client/resource/table/session/cursor that return remote data.
REMOTE_METHOD_PREFIXES = (
    "get_", "list_", "describe_", "batch_get", "query", "scan", "select", "fetch", "search", "lookup",
    "retrieve", "read", "invoke", "assume_role", "execute_statement", "hget", "hmget", "mget", "smembers",
    "lrange", "zrange",
)
REMOTE_METHODS = frozenset({"get", "post", "request"})
# Look-ups whose answer never changes for a deployed function, and local helpers of clients.
NOT_REMOTE_METHODS = frozenset(
    {"get_paginator", "get_waiter", "get_queue_url", "get_caller_identity", "get_bucket_location",
     "get_available_resources", "get_available_subresources"}
)
# Calls on a client/resource/connection that give another handle, not data.
HANDLE_METHODS = frozenset(
    {"Table", "Bucket", "Object", "Queue", "Topic", "Subscription", "client", "resource", "cursor",
     "Session", "session", "pipeline", "connect", "acquire", "getconn", "collection", "database",
     "get_database", "get_collection"}
)
# cachetools caches: those with an expiry, and the rest.
CACHETOOLS_TTL = frozenset({"cachetools.TTLCache", "cachetools.TLRUCache", "cachetools.func.ttl_cache"})
CACHETOOLS_NO_TTL = frozenset(
    {"cachetools.Cache", "cachetools.LRUCache", "cachetools.LFUCache", "cachetools.RRCache",
     "cachetools.FIFOCache", "cachetools.MRUCache"}
)
CACHETOOLS_DECORATORS = frozenset({"cachetools.cached"})
CACHETOOLS_FUNC_NO_TTL = frozenset(
    {"cachetools.func.lru_cache", "cachetools.func.lfu_cache", "cachetools.func.fifo_cache",
     "cachetools.func.rr_cache", "cachetools.func.mru_cache"}
)

# LAM601: values that must differ between execution environments (SnapStart snapshots them).
UNIQUE_VALUE_CALLS = frozenset(
    {"uuid.uuid1", "uuid.uuid4", "os.urandom", "secrets.token_bytes", "secrets.token_hex",
     "secrets.token_urlsafe", "secrets.randbits", "secrets.randbelow", "secrets.choice"}
)
# Every other ``random.*`` / ``numpy.random.*`` call draws from a seeded generator.
RANDOM_MODULES = ("random", "numpy.random")
RANDOM_GENERATORS = frozenset(
    {"random.Random", "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)
RANDOM_SEEDERS = frozenset({"random.seed", "numpy.random.seed"})
# Not a value and not a seeded generator: SystemRandom reads the kernel CSPRNG on every call.
RANDOM_NOT_VALUES = frozenset(
    {"random.SystemRandom", "random.getstate", "random.setstate", "numpy.random.SeedSequence",
     "numpy.random.get_state", "numpy.random.set_state"}
)

# LAM602: constructors that open a network connection when they run.
CONNECTING_CONSTRUCTORS = frozenset(
    {
        "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect", "pymysql.connect",
        "pymysql.connections.Connection", "pymysql.Connection", "MySQLdb.connect", "mysql.connector.connect",
        "pg8000.connect", "pg8000.native.Connection", "pg8000.dbapi.connect", "cx_Oracle.connect",
        "oracledb.connect", "pyodbc.connect", "pymssql.connect", "snowflake.connector.connect",
        "redshift_connector.connect", "psycopg2.pool.SimpleConnectionPool",
        "psycopg2.pool.ThreadedConnectionPool", "pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
        "socket.create_connection", "pika.BlockingConnection",
    }
)
# Clients that open nothing until they are used: a connection exists once init code sends through them.
LAZY_CLIENTS = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "urllib3.PoolManager",
     "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool", "redis.Redis", "redis.StrictRedis",
     "redis.from_url", "redis.Redis.from_url", "redis.StrictRedis.from_url", "redis.cluster.RedisCluster",
     "redis.RedisCluster", "pymemcache.client.base.Client", "pymemcache.Client", "pymemcache.client.Client",
     "sqlalchemy.create_engine", "socket.socket"}
)
# Methods of those clients that only configure them or hand out another lazy object.
LAZY_CLIENT_SETUP_METHODS = frozenset(
    {"mount", "pipeline", "pubsub", "lock", "register_script", "set_response_callback", "settimeout",
     "setsockopt", "setblocking", "bind", "close", "dispose", "execution_options", "get_connection_kwargs"}
)
# What re-establishes a connection when the restore hook or the warm path calls it.
RECONNECT_METHODS = frozenset({"connect", "reconnect", "ping"})
# What drops the pooled connections of a lazy client, so that its next use connects afresh.
POOL_RESET_METHODS = frozenset({"close", "disconnect", "dispose", "reset", "clear"})
# AWS SDK constructors that can take explicit credentials.
SDK_CREDENTIAL_CONSTRUCTORS = frozenset(
    {"boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session", "aioboto3.Session"}
)
SESSION_TOKEN_ARGUMENT = "aws_session_token"
# LAM106: process-wide registries that warm-path code can only add to.
# ``logging`` loggers: any ``getLogger(...)`` result is the registered singleton for that name.
LOGGER_FACTORY = "logging.getLogger"
LOGGER_OBJECTS = frozenset({"logging.root"})
LOGGER_ADDERS = frozenset({"addHandler", "addFilter"})
LOGGER_REMOVERS = frozenset({"removeHandler", "removeFilter"})
LOGURU_LOGGER = "loguru.logger"
LOGURU_ADDERS = frozenset({"add"})
ATEXIT_REGISTER = "atexit.register"
ATEXIT_UNREGISTER = "atexit.unregister"
SIGNAL_SIGNAL = "signal.signal"
SIGNAL_GETSIGNAL = "signal.getsignal"
# Framework objects: the constructor (or the head of a builder chain, ``Application.builder()...build()``)
# and the methods that add an entry to the object's handler, middleware, route or listener lists.
# ``add_error_handler``/``add_exception_handler`` are not here: they are keyed and replace.
REGISTRIES = {
    "telegram.ext.Application": frozenset({"add_handler", "add_handlers"}),
    "telegram.ext.ApplicationBuilder": frozenset({"add_handler", "add_handlers"}),
    "telegram.ext.Dispatcher": frozenset({"add_handler"}),
    "telegram.ext.Updater": frozenset({"add_handler"}),
    "fastapi.FastAPI": frozenset({"add_middleware", "include_router", "add_api_route", "add_route", "mount",
                                  "add_event_handler"}),
    "fastapi.APIRouter": frozenset({"include_router", "add_api_route", "add_route", "add_event_handler"}),
    "starlette.applications.Starlette": frozenset({"add_middleware", "add_route", "mount", "add_event_handler"}),
    "flask.Flask": frozenset({"register_blueprint", "add_url_rule", "before_request", "after_request"}),
    "flask.Blueprint": frozenset({"register_blueprint", "add_url_rule", "before_request", "after_request"}),
    "aiogram.Dispatcher": frozenset({"include_router", "include_routers"}),
    "aiogram.Router": frozenset({"include_router", "include_routers"}),
    "slack_bolt.App": frozenset({"use", "middleware"}),
    "slack_bolt.async_app.AsyncApp": frozenset({"use", "middleware"}),
    "telebot.TeleBot": frozenset({"register_message_handler", "register_callback_query_handler",
                                  "add_message_handler", "add_callback_query_handler", "add_middleware_handler",
                                  "setup_middleware"}),
}
# aiogram's event observers (``dp.message.register(handler)``) live on its dispatchers and routers.
OBSERVER_OWNERS = frozenset({"aiogram.Dispatcher", "aiogram.Router"})
OBSERVER_ADDERS = frozenset({"register"})
# Route and listener decorators: applied to a function defined inside a warm-path function, they
# register one more listener on every invocation.
ROUTE_DECORATORS = {
    "fastapi.FastAPI": frozenset({"get", "post", "put", "patch", "delete", "head", "options", "api_route",
                                  "route", "websocket", "middleware", "on_event"}),
    "fastapi.APIRouter": frozenset({"get", "post", "put", "patch", "delete", "head", "options", "api_route",
                                    "route", "websocket", "on_event"}),
    "flask.Flask": frozenset({"route", "get", "post", "put", "patch", "delete", "before_request",
                              "after_request"}),
    "flask.Blueprint": frozenset({"route", "get", "post", "put", "patch", "delete", "before_request",
                                  "after_request"}),
    "slack_bolt.App": frozenset({"command", "event", "message", "action", "shortcut", "view", "options",
                                 "use", "middleware"}),
    "slack_bolt.async_app.AsyncApp": frozenset({"command", "event", "message", "action", "shortcut", "view",
                                                "options", "use", "middleware"}),
    "telebot.TeleBot": frozenset({"message_handler", "callback_query_handler", "inline_handler",
                                  "edited_message_handler", "channel_post_handler", "middleware_handler"}),
    "aiogram.Dispatcher": frozenset({"message", "callback_query", "inline_query", "edited_message",
                                     "channel_post", "chat_member", "my_chat_member", "errors"}),
    "aiogram.Router": frozenset({"message", "callback_query", "inline_query", "edited_message",
                                 "channel_post", "chat_member", "my_chat_member", "errors"}),
}
# Reset a registry: ``logger.handlers.clear()``, loguru ``logger.remove()`` with no argument.
REGISTRY_LISTS = frozenset({"handlers", "filters"})

# LAM107: wall-clock readings. Monotonic clocks (``monotonic``, ``perf_counter``, ``process_time``)
# only measure intervals and are not here.
WALL_CLOCKS = frozenset(
    {"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
     "time.time", "time.time_ns", "pendulum.now", "pendulum.today", "arrow.now", "arrow.utcnow"}
)
# Readings only when called without the time argument (``localtime(secs)`` converts, it does not read).
WALL_CLOCKS_WITHOUT_ARGUMENT = {"time.localtime": 0, "time.gmtime": 0, "time.ctime": 0, "time.strftime": 1}
# Words of a name that mark an initialisation time (``COLD_START_AT``, ``INIT_TS``, ``_loaded``).
INIT_TIME_WORDS = frozenset(
    {"start", "started", "init", "boot", "booted", "cold", "loaded", "import", "imported", "launch", "launched"}
)
DATACLASS_DECORATORS = frozenset(
    {"dataclasses.dataclass", "attr.s", "attr.attrs", "attr.define", "attr.frozen", "attr.mutable",
     "attrs.define", "attrs.frozen", "attrs.mutable"}
)
FIELD_FUNCTIONS = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attr.field", "attrs.field"})

# LAM204: objects bound to the event loop they first run on (configuration: ``extend-loop-bound``).
LOOP_BOUND = frozenset(
    {"asyncio.Lock", "asyncio.Event", "asyncio.Condition", "asyncio.Semaphore", "asyncio.BoundedSemaphore",
     "asyncio.Queue", "asyncio.PriorityQueue", "asyncio.LifoQueue", "asyncio.Barrier",
     "aiohttp.ClientSession", "aiohttp.TCPConnector", "httpx.AsyncClient", "redis.asyncio.Redis",
     "redis.asyncio.from_url", "redis.asyncio.StrictRedis", "redis.asyncio.Redis.from_url",
     "motor.motor_asyncio.AsyncIOMotorClient", "asyncpg.connect", "asyncpg.create_pool",
     "aiomysql.connect", "aiomysql.create_pool", "sqlalchemy.ext.asyncio.create_async_engine"}
)
# aioboto3/aiobotocore clients and resources made from a session at import are loop-bound too.
AIOBOTO3_SESSIONS = frozenset({"aioboto3.Session", "aioboto3.session.Session", "aiobotocore.session.get_session",
                               "aiobotocore.session.AioSession"})
AIOBOTO3_FACTORIES = frozenset({"client", "resource", "create_client"})
# What starts a new event loop in the invocation.
ASYNCIO_RUN = "asyncio.run"
NEW_EVENT_LOOP = "asyncio.new_event_loop"
ASYNCIO_RUNNER = "asyncio.Runner"
# A guard that compares the running loop protects a lazily created loop-bound object.
RUNNING_LOOP_GETTERS = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop",
                                  "asyncio.events.get_running_loop"})

# LAM103: the process environment is module-level state.
ENVIRON = "os.environ"
ENVIRON_WRITERS = frozenset({"update", "setdefault", "__setitem__"})
PUTENV = "os.putenv"
