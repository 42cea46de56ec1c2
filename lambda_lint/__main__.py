"""``python -m lambda_lint``."""
import os
import sys

# ``python -m`` puts the working folder first on sys.path. That folder is the
# code being analysed: a ``json.py`` or ``yaml.py`` in it would be imported (and
# run) by our own lazy imports. The package itself is already imported here.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from lambda_lint.cli import main  # noqa: E402

sys.exit(main())
