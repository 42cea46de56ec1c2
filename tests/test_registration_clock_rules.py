"""LAM106 registration-per-invocation and LAM107 clock-frozen-at-import: behaviour on real-looking code."""
from lambda_lint.settings.config import Config

from .helpers import findings, run_check

LAM = {"LAM101", "LAM102", "LAM103", "LAM104", "LAM105", "LAM106", "LAM107"}


# -- LAM106 --------------------------------------------------------------------------------
def test_module_logger_handler_added_per_invocation(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import logging
        import sys

        logger = logging.getLogger("orders")


        def lambda_handler(event, context):
            logger.addHandler(logging.StreamHandler(sys.stdout))
            logger.info("order %s", event["id"])
    '''}, {"LAM106"})
    [diag] = result.diagnostics
    assert (diag.line, diag.code) == (9, "LAM106")
    assert diag.message == (
        "`logger.addHandler(...)` adds to the handlers of the process-wide logger `logger` (bound on line 5) "
        "on every invocation; every warm invocation adds one more"
    )
    assert "`if not logger.handlers:`" in diag.suggestion


def test_get_logger_inside_the_invocation_is_still_process_wide(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import logging

        def _setup(request_id):
            log = logging.getLogger("botocore")
            log.addHandler(logging.NullHandler())
            logging.getLogger().addFilter(logging.Filter(request_id))

        def lambda_handler(event, context):
            _setup(context.aws_request_id)
    '''}, LAM) == {("app.py", 6, "LAM106"), ("app.py", 7, "LAM106")}


def test_guards_flags_removal_and_reset_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import functools
        import io
        import logging
        import sys
        from loguru import logger as log

        logger = logging.getLogger("etl")
        audit = logging.getLogger("audit")
        _ready = False

        def _audit():
            if not audit.handlers:
                audit.addHandler(logging.StreamHandler(sys.stderr))
            return audit

        def _sinks():
            global _ready
            if not _ready:
                log.add(sys.stdout, serialize=True)
                _ready = True

        def _fresh_root():
            root = logging.getLogger()
            root.handlers.clear()
            root.addHandler(logging.StreamHandler())

        @functools.lru_cache(maxsize=None)
        def _named(name):
            log = logging.getLogger(name)
            log.addHandler(logging.StreamHandler())
            return log

        def _replaced():
            for h in list(logger.handlers):
                logger.removeHandler(h)
            logger.addHandler(logging.StreamHandler())

        def lambda_handler(event, context):
            _named("orders").info("start")
            _sinks()
            _fresh_root()
            _replaced()
            buffer = io.StringIO()
            capture = logging.StreamHandler(buffer)
            logger.addHandler(capture)
            sink = log.add(buffer, level="WARNING")
            try:
                _audit().info("run %s", event["id"])
            finally:
                logger.removeHandler(capture)
                log.remove(sink)
            return buffer.getvalue()
    '''}, LAM) == set()


def test_adding_the_same_module_level_handler_again_is_silent(tmp_path):
    # Logger.addHandler/addFilter ignore an object the logger already has.
    assert findings(tmp_path, {"app.py": '''
        import logging

        logger = logging.getLogger("orders")
        _stream = logging.StreamHandler()
        _only_info = logging.Filter("orders")

        def lambda_handler(event, context, handler=None):
            logger.addHandler(_stream)
            logger.addFilter(_only_info)
            logger.addHandler(handler)
    '''}, LAM) == set()


def test_apis_that_replace_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import logging
        import logging.config
        import signal
        from loguru import logger
        from telegram.ext import Application

        application = Application.builder().token("t").build()

        def _on_alarm(signum, frame):
            raise TimeoutError()

        async def _errors(update, context):
            pass

        def lambda_handler(event, context):
            logging.basicConfig(level=logging.INFO, force=True)
            logging.config.dictConfig({"version": 1})
            logger.configure(handlers=[{"sink": print}])
            signal.signal(signal.SIGALRM, _on_alarm)
            application.add_error_handler(_errors)
    '''}, LAM) == set()


def test_generic_method_names_on_unknown_objects_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from mybus import Bus

        bus = Bus()

        def lambda_handler(event, context, registry=None):
            bus.add_handler(print)
            registry.add_middleware(print)
            event["app"].include_router(None)
    '''}, LAM) == set()


def test_extend_registries_adds_a_documented_method(tmp_path):
    config = Config(extend_registries=["mybus.Bus.add_handler"])
    assert findings(tmp_path, {"app.py": '''
        from mybus import Bus

        bus = Bus()

        def lambda_handler(event, context):
            bus.add_handler(print)
    '''}, LAM, config=config) == {("app.py", 7, "LAM106")}


def test_framework_object_imported_from_a_project_module(tmp_path):
    assert findings(tmp_path, {
        "bot.py": '''
            from telegram.ext import Application
            application = Application.builder().token("t").build()
        ''',
        "app.py": '''
            from telegram.ext import CommandHandler
            from bot import application

            async def start(update, context):
                pass

            def lambda_handler(event, context):
                application.add_handler(CommandHandler("start", start))
        ''',
    }, LAM) == {("app.py", 9, "LAM106")}


def test_route_decorator_inside_the_handler_and_app_built_per_call(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from slack_bolt import App

        app = App(token="t")

        def build():
            local = App(token="t")

            @local.command("/ok")
            def ok(ack):
                ack()
            return local

        def lambda_handler(event, context):
            @app.command("/deploy")
            def deploy(ack):
                ack(context.aws_request_id)

            return build()
    '''}, LAM) == {("app.py", 15, "LAM106")}


def test_registration_carrying_request_data_is_lam106_only(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import atexit
        import signal

        def lambda_handler(event, context):
            previous = signal.getsignal(signal.SIGTERM)

            def on_term(signum, frame):
                print(event["id"])
                previous(signum, frame)

            signal.signal(signal.SIGTERM, on_term)
            atexit.register(print, event["id"])
    '''}, LAM) == {("app.py", 12, "LAM106"), ("app.py", 13, "LAM106")}


def test_module_scope_registrations_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import atexit
        import logging
        from fastapi import FastAPI

        app = FastAPI()
        logger = logging.getLogger()

        def _configure():
            logger.addHandler(logging.NullHandler())
            app.add_middleware(object)

        _configure()
        atexit.register(print)

        def lambda_handler(event, context):
            logger.info("hi")
    '''}, LAM) == set()


# -- LAM107 --------------------------------------------------------------------------------
def test_module_level_clock_read_on_the_warm_path(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import time

        NOW = int(time.time())
        STAMP = f"run-{NOW}"

        def _claims():
            return {"iat": NOW - 60, "exp": NOW + 540}

        def lambda_handler(event, context):
            return {"claims": _claims(), "stamp": STAMP}
    '''}, {"LAM107"})
    assert [(d.line, d.code) for d in result.diagnostics] == [(8, "LAM107"), (11, "LAM107")]
    assert result.diagnostics[0].message == (
        "`NOW` (bound on line 4) holds the clock reading taken at import; every warm invocation sees the "
        "cold start's time"
    )


def test_init_names_monotonic_age_arithmetic_and_rebinding_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time
        from datetime import datetime, timezone

        COLD_START_AT = time.time()
        bootedAt = datetime.now(timezone.utc)
        UPTIME_BASE = time.monotonic()
        DEADLINE = datetime.now(timezone.utc)
        LAST_SEEN = time.time()
        EPOCH = datetime(1970, 1, 1)

        def lambda_handler(event, context):
            global LAST_SEEN
            expired = datetime.now(timezone.utc) > DEADLINE or time.time() > DEADLINE.timestamp()
            now = time.time()
            idle = now - LAST_SEEN
            LAST_SEEN = now
            return {
                "age": time.time() - COLD_START_AT,
                "booted": bootedAt.isoformat(),
                "up": time.monotonic() - UPTIME_BASE,
                "expired": expired,
                "idle": idle,
                "epoch": EPOCH.isoformat(),
            }
    '''}, {"LAM107"}) == set()


def test_defaults_fields_and_class_attributes(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import time
        from dataclasses import dataclass, field
        from datetime import date, datetime

        @dataclass
        class Request:
            tenant: str
            at: datetime = datetime.utcnow()
            day: date = field(default=date.today())
            made: datetime = field(default_factory=datetime.utcnow)

        @dataclass
        class NeverBuilt:
            at: datetime = datetime.utcnow()

        class Settings:
            STAMP = time.strftime("%Y-%m-%d")

        def window(end=datetime.utcnow(), start_at=time.time()):
            return end

        def lambda_handler(event, context):
            req = Request(event["tenant"])
            return window(), req, Settings.STAMP, time.strftime("%H", time.gmtime(0))
    '''}, LAM) == {("app.py", 9, "LAM107"), ("app.py", 10, "LAM107"), ("app.py", 20, "LAM107"),
                   ("app.py", 25, "LAM107")}


def test_one_diagnostic_per_reading_statement(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from datetime import date
        TODAY = date.today()

        def lambda_handler(event, context):
            if event.get("day", TODAY) != TODAY:
                return {"key": f"{TODAY}/{TODAY.year}"}
    '''}, LAM) == {("app.py", 6, "LAM107"), ("app.py", 7, "LAM107")}


def test_clock_imported_from_a_project_module(tmp_path):
    result = run_check(tmp_path, {
        "settings.py": '''
            from datetime import date
            RUN_DAY = date.today().isoformat()
            STARTED_AT = date.today()
        ''',
        "app.py": '''
            from settings import RUN_DAY, STARTED_AT

            def lambda_handler(event, context):
                return {"day": RUN_DAY, "since": str(STARTED_AT)}
        ''',
    }, {"LAM107"})
    assert [(d.path, d.line) for d in result.diagnostics] == [("app.py", 5)]
    assert result.diagnostics[0].message.startswith("`RUN_DAY` (bound in `settings` on line 3) holds the clock")


def test_clock_default_that_every_call_passes_is_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from datetime import datetime, timezone

        class Table:
            def put(self, key, requested_on=str(datetime.now(timezone.utc))):
                return key, requested_on

        def stamp(at=datetime.now(timezone.utc)):
            return at

        table = Table()

        def lambda_handler(event, context):
            now = datetime.now(timezone.utc)
            table.put(event["id"], requested_on=str(now))
            return stamp(now), stamp(at=now)
    '''}, {"LAM107"}) == set()
