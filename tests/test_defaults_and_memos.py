"""LAM104 only for defaults that change or escape; LAM401 only for stores on a miss."""
from .helpers import findings, run_check


def test_mutable_default_only_read_is_fine(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import json

        def render(text, buttons=[[]], extra={}):
            options = extra.get("options", [])
            return json.dumps({"text": text, "keyboard": buttons, "options": sorted(options)})

        def lambda_handler(event, context):
            return render("pong")
    '''}, {"LAM104"}) == set()


def test_mutable_default_mutated_stored_or_returned(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        class Store:
            pass

        store = Store()

        def tag(key, tags={}):
            tags[key] = True
            return len(tags)

        def keep(item, seen=[]):
            store.seen = seen
            return item

        def defaults(overrides={}):
            return overrides

        def extend(item, acc=[]):
            acc += [item]
            return len(acc)

        def lambda_handler(event, context):
            return tag("a"), keep(1), defaults(), extend(2)
    '''}, {"LAM104"})
    assert {(d.line, d.message) for d in result.diagnostics} == {
        (7, "`tag` has a mutable default `tags={}`, created once and shared by every warm invocation"),
        (11, "`keep` has a mutable default `seen=[]`, created once and shared by every warm invocation"),
        (15, "`defaults` has a mutable default `overrides={}`, created once and shared by every warm invocation"),
        (18, "`extend` has a mutable default `acc=[]`, created once and shared by every warm invocation"),
    }


def test_mutable_default_mutated_by_a_helper_it_is_handed_to(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        def _note(bucket, item):
            bucket.append(item)

        def remember(item, seen=[]):
            _note(seen, item)
            return len(seen)

        def count(item, seen=[]):
            return _size(seen)

        def _size(bucket):
            return len(bucket)

        def lambda_handler(event, context):
            return remember(event["id"]), count(1)
    '''}, {"LAM104"}) == {("app.py", 5, "LAM104")}


def test_default_spread_into_a_returned_container(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        def to_item(body, extra={}):
            item = {"pk": body["id"], **extra}
            item["source"] = "sqs"
            return item

        def to_row(body, extra={}):
            row = {"pk": body["id"], **extra}
            return len(row)

        def lambda_handler(event, context):
            return to_item(event), to_row(event)
    '''}, {"LAM104"}) == {("app.py", 2, "LAM104")}


def test_rebound_default_is_left_alone(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        def merge(a, b={}):
            b = dict(b)
            b.update(a)
            return b

        def lambda_handler(event, context):
            return merge(event)
    '''}, {"LAM104"}) == set()


def test_state_machine_store_is_state_not_memo(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import json

        _conversation = {}

        def lambda_handler(event, context):
            update = json.loads(event["body"])
            chat = update["chat"]
            state = _conversation.get(chat) or {}
            if state.get("step") == "awaiting_name":
                _conversation[chat] = {"step": "done"}
                return "thanks"
            return "send /start"
    '''}, {"LAM101", "LAM401"}) == {("app.py", 11, "LAM101")}


def test_counter_update_is_state_not_memo(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _hits = {}

        def lambda_handler(event, context):
            path = event["path"]
            _hits[path] = _hits.get(path, 0) + 1
            return _hits[path]
    '''}, {"LAM101", "LAM401"}) == {("app.py", 6, "LAM101")}


def test_store_on_a_miss_is_a_memo(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _rates = {}

        def rate(key):
            cached = _rates.get(key)
            if cached is None:
                cached = fetch(key)
                _rates[key] = cached
            return cached

        def name(user):
            if user in _names:
                return _names[user]
            found = lookup(user)
            _names[user] = found
            return found

        _names = {}

        def lambda_handler(event, context):
            return rate(event["k"]), name(event["u"])
    '''}, {"LAM101", "LAM401"}) == {("app.py", 8, "LAM401"), ("app.py", 15, "LAM401")}


def test_store_on_the_found_branch_is_not_a_memo(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _sessions = {}

        def lambda_handler(event, context):
            sid = event["sid"]
            if sid in _sessions:
                _sessions[sid] = {"seen": True}
            return sid
    '''}, {"LAM101", "LAM401"}) == {("app.py", 7, "LAM101")}
