"""Before/after tests of the LAM601 and LAM603 fixes, and end to end: the fixed file is clean."""
from __future__ import annotations

import os

from lambda_lint.fixes.edits import apply_edits

from .helpers import run_check, write_tree
from .test_fixes import fixed, no_fix, raise_fixer_errors, src  # noqa: F401 - the fixture applies here too

def sub(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    return folder


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.handler
      AutoPublishAlias: live
      SnapStart:
        ApplyOn: PublishedVersions
"""


def test_lam601_value_gets_an_after_restore_hook_and_the_import(tmp_path):
    before = '''\
    import uuid

    ENV_ID = str(uuid.uuid4())  # here
    REGION = "eu-west-1"


    def handler(event, context):
        return ENV_ID
    '''
    after = '''\
    import uuid
    from snapshot_restore_py import register_after_restore

    ENV_ID = str(uuid.uuid4())  # here


    @register_after_restore
    def _renew_env_id():
        global ENV_ID
        ENV_ID = str(uuid.uuid4())


    REGION = "eu-west-1"


    def handler(event, context):
        return ENV_ID
    '''
    assert fixed(tmp_path, before, "LAM601") == src(after)


def test_lam601_generator_and_seed_are_reseeded_with_the_existing_import(tmp_path):
    before = '''\
    import random
    import time

    from snapshot_restore_py import register_before_snapshot

    random.seed(time.time())  # here
    _picker = random.Random()
    '''
    after = '''\
    import random
    import time

    from snapshot_restore_py import register_before_snapshot, register_after_restore

    random.seed(time.time())  # here
    register_after_restore(random.seed)
    _picker = random.Random()
    '''
    assert fixed(sub(tmp_path, "seed"), before, "LAM601") == src(after)
    before = '''\
    import random as rnd
    import snapshot_restore_py

    _picker = rnd.Random()  # here
    '''
    after = '''\
    import random as rnd
    import snapshot_restore_py

    _picker = rnd.Random()  # here
    snapshot_restore_py.register_after_restore(_picker.seed)
    '''
    assert fixed(sub(tmp_path, "generator"), before, "LAM601") == src(after)


def test_lam601_no_fix_inside_a_block_a_class_or_a_tuple_assignment(tmp_path):
    no_fix(sub(tmp_path, "if"), "import os, uuid\nif os.environ.get('X'):\n    ENV = uuid.uuid4()  # here\n", "LAM601")
    no_fix(sub(tmp_path, "class"), "import uuid\nclass C:\n    ID = uuid.uuid4()  # here\n", "LAM601")
    no_fix(sub(tmp_path, "tuple"), "import uuid\nA, B = uuid.uuid4(), 1  # here\n", "LAM601")
    no_fix(sub(tmp_path, "taken"), "import uuid\nregister_after_restore = 1\nA = uuid.uuid4()  # here\n", "LAM601")


def test_lam603_call_moves_to_module_scope(tmp_path):
    before = '''\
    from snapshot_restore_py import register_after_restore


    def _reseed():
        pass


    def handler(event, context):
        register_after_restore(_reseed)  # here
        return {}
    '''
    after = '''\
    from snapshot_restore_py import register_after_restore


    def _reseed():
        pass


    def handler(event, context):
        return {}


    register_after_restore(_reseed)  # here
    '''
    assert fixed(tmp_path, before, "LAM603") == src(after)


def test_lam603_no_fix_for_locals_later_names_or_nested_functions(tmp_path):
    local = '''\
    from snapshot_restore_py import register_after_restore


    def handler(event, context):
        hook = print
        register_after_restore(hook)  # here
    '''
    later = '''\
    from snapshot_restore_py import register_after_restore


    def handler(event, context):
        register_after_restore(_reseed)  # here


    def _reseed():
        pass
    '''
    nested = '''\
    from snapshot_restore_py import register_after_restore


    def handler(event, context):
        def inner():
            register_after_restore(print)  # here
        inner()
    '''
    no_fix(sub(tmp_path, "local"), local, "LAM603")
    no_fix(sub(tmp_path, "later"), later, "LAM603")
    no_fix(sub(tmp_path, "nested"), nested, "LAM603")


def test_fixed_files_are_clean(tmp_path):
    code = '''\
import random
import uuid

from snapshot_restore_py import register_after_restore

ENV_ID = str(uuid.uuid4())
_picker = random.Random()


def _log_restore():
    print("restored")


def handler(event, context):
    register_after_restore(_log_restore)
    return {"environment": ENV_ID, "pick": _picker.choice(event["items"])}
'''
    write_tree(tmp_path, {"template.yaml": TEMPLATE, "src/app.py": code})
    for _ in range(3):  # one exclusive fix per round, as --fix applies them
        result = run_check(tmp_path, codes={"LAM601", "LAM603"})
        fixable = [d for d in result.diagnostics if d.fix is not None]
        if not fixable:
            break
        path = tmp_path / "src" / "app.py"
        path.write_text(apply_edits(path.read_text(), fixable[0].fix.edits))
    result = run_check(tmp_path, codes={"LAM601", "LAM602", "LAM603"})
    assert [(d.path.replace(os.sep, "/"), d.line, d.code) for d in result.diagnostics] == []
    compile((tmp_path / "src" / "app.py").read_text(), "app.py", "exec")
