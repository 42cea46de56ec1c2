"""Issue 11, parts 2-4: module-level state reached indirectly, calls the warm path makes
indirectly, request data followed in program order, and stores under fixed keys."""
from .helpers import findings, run_check

LAM1 = {"LAM101", "LAM102", "LAM103", "LAM104", "LAM105"}


def messages(tmp_path, files, codes):
    result = run_check(tmp_path, files, codes)
    assert not result.internal_errors, result.internal_errors
    return {(d.path, d.line, d.code): d.message for d in result.diagnostics}


# -- part 2: state reached indirectly ----------------------------------------------------

def test_container_imported_from_another_module(tmp_path):
    found = messages(tmp_path, {
        "state.py": '''
            sessions = {}
            seen = []
        ''',
        "app.py": '''
            import json
            from state import sessions, seen

            def lambda_handler(event, context):
                body = json.loads(event["body"])
                sessions[body["user"]] = {"step": "email"}
                seen.append(len(body))
                return {}
        ''',
    }, LAM1)
    assert set(found) == {("app.py", 7, "LAM103"), ("app.py", 8, "LAM101")}
    assert found[("app.py", 7, "LAM103")].startswith(
        "request data from the event/context is stored in module-level `sessions` (bound on line 2 of state.py)")


def test_imported_module_attribute_container(tmp_path):
    assert findings(tmp_path, {
        "state.py": "sessions = {}\n",
        "app.py": '''
            import state

            def lambda_handler(event, context):
                state.sessions[event["user"]] = event["step"]
        ''',
    }, LAM1) == {("app.py", 5, "LAM103")}


def test_plain_alias_of_module_dict(tmp_path):
    found = messages(tmp_path, {"app.py": '''
        HEADERS = {"Accept": "application/json"}

        def cookie_for(cart_id):
            return f"cart={cart_id}"

        def lambda_handler(event, context):
            headers = HEADERS
            headers["Set-Cookie"] = cookie_for(event["cart_id"])
            return {"headers": headers}
    '''}, LAM1)
    assert set(found) == {("app.py", 9, "LAM103")}
    assert "module-level `HEADERS` (bound on line 2)" in found[("app.py", 9, "LAM103")]


def test_copy_is_not_an_alias(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        HEADERS = {"Accept": "application/json"}

        def lambda_handler(event, context):
            headers = dict(HEADERS)
            headers["Set-Cookie"] = event["cookie"]
            other = HEADERS
            other = {}
            other["x"] = event["x"]
            return headers
    '''}, LAM1) == set()


def test_object_taken_out_of_a_registry(tmp_path):
    found = messages(tmp_path, {"app.py": '''
        class CsvExporter:
            requested_by = None

        EXPORTERS = {"csv": CsvExporter}
        CHANNELS = {"email": {"sent": 0}}

        def lambda_handler(event, context):
            exporter = EXPORTERS[event.get("format", "csv")]
            exporter.requested_by = event["user"]
            EXPORTERS["csv"].last_format = event["format"]
            channel = CHANNELS.get("email")
            channel["sent"] = 1
            return {}
    '''}, LAM1)
    assert set(found) == {("app.py", 10, "LAM103"), ("app.py", 11, "LAM103")}
    assert found[("app.py", 10, "LAM103")].startswith(
        "request data from the event/context is stored in an object held by module-level `EXPORTERS` (bound on line 5)")


def test_attributes_of_a_module_level_instance(tmp_path):
    found = messages(tmp_path, {
        "counters.py": '''
            class Tally:
                def __init__(self):
                    self.seen = []
                    self.total = 0

                def note(self, item):
                    self.seen.append(item)

                def tick(self):
                    self.seen.append("tick")


            tally = Tally()
        ''',
        "app.py": '''
            from counters import tally

            def lambda_handler(event, context):
                tally.note(event["detail"]["order_id"])
                tally.tick()
                return {"seen": len(tally.seen)}
        ''',
    }, LAM1)
    assert set(found) == {("counters.py", 8, "LAM103"), ("counters.py", 11, "LAM101")}
    assert found[("counters.py", 11, "LAM101")].startswith(
        "`tally.seen`, a container held by module-level `tally` (bound on line 14), is mutated on the warm path")


def test_instance_created_per_invocation_is_not_module_state(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class Tally:
            def __init__(self):
                self.seen = []

            def note(self, item):
                self.seen.append(item)

        shared = Tally()

        def lambda_handler(event, context):
            tally = Tally()
            tally.note(event["id"])
            return len(tally.seen)
    '''}, LAM1) == set()


def test_memo_in_attribute_of_module_level_object_is_lam401(tmp_path):
    found = messages(tmp_path, {"app.py": '''
        import requests

        class NameBook:
            def __init__(self):
                self._names = {}

            def lookup(self, user_id):
                if user_id in self._names:
                    return self._names[user_id]
                name = requests.get(f"https://dir/{user_id}", timeout=5).json()["name"]
                self._names[user_id] = name
                return name

        book = NameBook()

        def lambda_handler(event, context):
            return {"name": book.lookup(event["user"])}
    '''}, LAM1 | {"LAM401"})
    assert set(found) == {("app.py", 12, "LAM401")}
    assert found[("app.py", 12, "LAM401")].startswith(
        "dict `book._names` of module-level `book` (bound on line 15) is a memo cache keyed by `user_id`")


def test_memo_attribute_with_eviction_is_not_lam401(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class NameBook:
            def __init__(self):
                self._names = {}

            def lookup(self, user_id):
                if user_id in self._names:
                    return self._names[user_id]
                if len(self._names) > 100:
                    self._names.clear()
                self._names[user_id] = user_id.upper()
                return self._names[user_id]

        book = NameBook()

        def lambda_handler(event, context):
            return book.lookup(event["user"])
    '''}, LAM1 | {"LAM401"}) == set()


def test_reset_first_thing_exempts_request_data_too(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _batch = []

        def lambda_handler(event, context):
            _batch.clear()
            for record in event["Records"]:
                _batch.append(record["body"])
            return len(_batch)
    '''}, LAM1) == set()


def test_class_body_container_with_request_data_is_lam103_not_lam105(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class Registry:
            users = []

        def lambda_handler(event, context):
            Registry.users.append(event["user"])
            Registry.users.append("anonymous")
    '''}, LAM1) == {("app.py", 6, "LAM103"), ("app.py", 7, "LAM105")}


# -- the literal-key rule ---------------------------------------------------------------

def test_fixed_key_of_a_config_value_is_not_lam101_or_lam105(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import time

        HEADERS = {"Accept": "application/json"}

        class Settings:
            overrides = {}

        def read_key():
            return os.environ["PARTNER_KEY"]

        def lambda_handler(event, context):
            HEADERS["X-Api-Key"] = read_key()
            HEADERS.update({"X-Sent-At": str(int(time.time()))})
            HEADERS.setdefault("X-Client", "shipments")
            Settings.overrides.update(region=os.environ["AWS_REGION"])
            return HEADERS
    '''}, LAM1) == set()


def test_fixed_key_still_reported_when_it_grows_or_carries_request_data(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        HEADERS = {}
        STATS = {"calls": 0}

        class Settings:
            overrides = {}

        def lambda_handler(event, context):
            HEADERS["X-User"] = event["user"]
            STATS["calls"] += 1
            HEADERS.update(event["headers"])
            HEADERS.update({"X-Trace": event["trace"]})
            Settings.overrides["tenant"] = event["tenant"]
            Settings.overrides.update(load_all())
    '''}, LAM1) == {("app.py", 9, "LAM103"), ("app.py", 10, "LAM101"), ("app.py", 11, "LAM103"),
                   ("app.py", 12, "LAM103"), ("app.py", 13, "LAM103"), ("app.py", 14, "LAM105")}


# -- part 3: indirect calls ----------------------------------------------------------------

def test_dispatch_table_functions_are_warm(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _log = []

        def refresh(event):
            _log.append("refresh")

        def status(event):
            _log.append("status")

        def never_listed(event):
            _log.append("never")

        ACTIONS = {"refresh": refresh, "status": status}
        HANDLERS = [refresh]

        def lambda_handler(event, context):
            action = ACTIONS.get(event["action"])
            action(event)
            return HANDLERS[0](event)
    '''}, LAM1) == {("app.py", 5, "LAM101"), ("app.py", 8, "LAM101")}


def test_decorator_callbacks_on_a_framework_object(tmp_path):
    found = messages(tmp_path, {"app.py": '''
        from chatkit import App, LambdaAdapter
        import telebot

        _seen_users = []
        _pinged = []
        _unused = []
        bot = telebot.TeleBot("token", threaded=False)
        idle = telebot.TeleBot("token")

        def build_app():
            app = App(token_env="CHAT_TOKEN")

            @app.on("message")
            def on_message(body):
                _seen_users.append(body["user"])

            return app

        @bot.message_handler(commands=["ping"])
        def ping(message):
            _pinged.append(1)

        @idle.message_handler(commands=["x"])
        def never(message):
            _unused.append(1)

        def lambda_handler(event, context):
            bot.process_new_updates([event])
            return LambdaAdapter(build_app()).handle(event, context)
    '''}, LAM1)
    assert set(found) == {("app.py", 16, "LAM103"), ("app.py", 22, "LAM101")}


def test_wrapping_decorators_do_not_make_a_function_warm(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from aws_lambda_powertools import Tracer

        tracer = Tracer()
        _calls = []

        @tracer.capture_method
        def never_called():
            _calls.append(1)

        @tracer.capture_lambda_handler
        def lambda_handler(event, context):
            tracer.put_annotation("k", "v")
            return {}
    '''}, LAM1) == set()


def test_project_object_handed_to_a_library_call(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from batchkit import BaseProcessor, process_batch

        _handled = []

        class AuditProcessor(BaseProcessor):
            def handle_record(self, record):
                _handled.append("one")

        class Unused(BaseProcessor):
            def handle_record(self, record):
                _handled.append("two")

        processor = AuditProcessor()

        def lambda_handler(event, context):
            print(Unused())
            return process_batch(event, processor=processor)
    '''}, LAM1) == {("app.py", 8, "LAM101")}


# -- part 4: request data in program order -------------------------------------------------

def test_store_before_the_local_is_rebound_from_the_event(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _service_token = None

        def fetch_service_token():
            return "secret"

        def lambda_handler(event, context):
            global _service_token
            if _service_token is None:
                token = fetch_service_token()
                _service_token = token
            token = event["headers"]["authorization"]
            return {"ok": token == _service_token}
    '''}, {"LAM103"}) == set()


def test_store_after_the_local_is_rebound_from_the_event(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _last = []

        def lambda_handler(event, context):
            token = "anonymous"
            _last.append(token)
            token = event["headers"]["authorization"]
            _last.append(token)
            for record in event["Records"]:
                _last.append(item)
                item = record["body"]
    '''}, {"LAM103"}) == {("app.py", 8, "LAM103"), ("app.py", 10, "LAM103")}


def test_lambda_and_nested_function_capturing_request_data(tmp_path):
    found = messages(tmp_path, {"app.py": '''
        import logging

        logger = logging.getLogger(__name__)

        class Hooks:
            on_done = None
            on_fail = None
            on_start = None

        hooks = Hooks()

        def lambda_handler(event, context):
            user = event["requestContext"]["authorizer"]["principalId"]
            hooks.on_done = lambda msg: logger.info("%s: %s", user, msg)

            def failed(msg):
                logger.error("%s failed: %s", user, msg)

            hooks.on_fail = failed
            hooks.on_start = lambda msg: logger.info("start %s", msg)
            return {}
    '''}, LAM1)
    assert set(found) == {("app.py", 15, "LAM103"), ("app.py", 20, "LAM103")}
    assert found[("app.py", 15, "LAM103")].startswith(
        "request data from the event/context is stored in module-level `hooks` (bound on line 11)")


def test_comprehension_variable_carries_request_data(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _ids = []

        def lambda_handler(event, context):
            [_ids.append(r["id"]) for r in event["Records"]]
            _ids.extend(r["body"] for r in event["Records"])
    '''}, {"LAM103"}) == {("app.py", 5, "LAM103"), ("app.py", 6, "LAM103")}


def test_container_the_object_resets_itself_is_not_reported(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        class Buffer:
            def __init__(self):
                self.points = []
                self.names = {}

            def add(self, point):
                self.points.append(point)
                self.names[point] = 1

            def flush(self):
                send(self.points)
                self.points = []
                self.names.clear()

        metrics = Buffer()

        def lambda_handler(event, context):
            metrics.add("latency")
            metrics.add(event["name"])
            metrics.flush()
    '''}, LAM1 | {"LAM401"}) == set()
