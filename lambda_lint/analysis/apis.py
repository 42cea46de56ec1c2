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
