"""Handlers declared by infrastructure files, found the way the Lambda service finds them.

``discover(root)`` walks the checked folder once, picks candidate files by
name, drops those without a source's marker text, and only then parses:

* ``sam.py``: ``AWS::Serverless::Function`` ("sam") and ``AWS::Lambda::Function``
  ("cloudformation") in YAML or JSON templates;
* ``serverless.py``: ``serverless.yml`` / ``.yaml`` / ``.json``;
* ``cdk.py`` and ``cdk_typescript.py``: Python CDK apps, TypeScript stacks in CDK apps;
* ``terraform.py``: ``aws_lambda_function`` resources and lambda modules in ``.tf``;
* ``chalice.py``: decorated functions of ``app = Chalice(...)``;
* ``docker.py``: Dockerfiles on a Lambda Python base image;
* ``asgi.py``: route functions behind ``Mangum(app)`` / ``make_lambda_handler(app)``;
* ``pulumi.py``: ``aws.lambda_.Function`` in Python Pulumi programs;
* ``zappa.py``: ``zappa_settings.json|yml|yaml``;
* ``layers.py``: layer and src-layout folders, which become import roots;
* ``wrappers.py``: tracing wrappers whose real handler is in an environment variable.

Handler strings are resolved against their code root (``common.py``). A code
root or module outside ``root`` gives a warning and no handler. A handler whose
file or function is missing is returned (``module_file`` is None when the file
is missing) so that the caller reports LAM002. Nothing here raises for a bad
file: problems become one-line ``path:line: message`` warnings. Analysed code
is never imported or run.
"""
from __future__ import annotations

import os
from typing import Callable, Optional, Sequence

from ..analysis.sources import ParseFailure, read_bytes
from . import asgi, cdk, cdk_typescript, chalice, docker, layers, pulumi, sam, serverless, terraform, zappa
from .common import Collector, DeclaredHandler, Discovery
from .walk import find_candidates

__all__ = ["DeclaredHandler", "Discovery", "discover"]

# A CloudFormation template is at most 1 MB (SAM source templates a little
# more); anything far larger is data, not infrastructure.
MAX_INFRASTRUCTURE_BYTES = 8 * 1024 * 1024


def discover(root: str, is_excluded: Callable[[str], bool] = lambda p: False) -> Discovery:
    root = os.path.normpath(os.path.abspath(root))
    collector = Collector(root, is_excluded)
    candidates = find_candidates(root, is_excluded)

    def read(path: str, markers: Sequence[bytes]) -> Optional[bytes]:
        """The file's bytes when they contain one of ``markers``; None otherwise.

        Unreadable Python files are left to the checker (LAM001); unreadable
        infrastructure files get a warning here.
        """
        data = read_bytes(path)
        if isinstance(data, ParseFailure):
            if not path.endswith((".py", ".ts")):
                collector.warn(path, data.line, f"cannot read infrastructure file: {data.reason}")
            return None
        if len(data) > MAX_INFRASTRUCTURE_BYTES and not path.endswith(".py"):
            if any(marker in data[:65536] for marker in markers):
                collector.warn(path, 1, "file is too large to read as infrastructure; not analysed")
            return None
        if not any(marker in data for marker in markers):
            return None
        if not path.endswith((".py", ".ts")):
            collector.files_read.add(path)
        return data

    # Python files are many: read each once, keep the few with any reader's marker.
    python_markers = cdk.MARKERS + chalice.MARKERS + asgi.MARKERS + pulumi.MARKERS
    python_sources = {}
    for path in candidates.python:
        data = read(path, python_markers)
        if data is not None:
            python_sources[path] = data

    def read_python(path: str, markers: Sequence[bytes]) -> Optional[bytes]:
        data = python_sources.get(path)
        return data if data is not None and any(marker in data for marker in markers) else None

    python_paths = list(python_sources)
    sam.scan(candidates.templates, collector, read)
    serverless.scan(candidates.serverless, collector, read)
    cdk.scan(python_paths, collector, read_python, candidates.cdk_apps)
    cdk_typescript.scan(candidates.typescript, collector, read, candidates.cdk_apps)
    terraform.scan(candidates.terraform, collector, read, candidates.terragrunt)
    chalice.scan(python_paths, collector, read_python)
    docker.scan(candidates.dockerfiles, collector, read)
    asgi.scan(python_paths, collector, read_python)
    pulumi.scan(python_paths, collector, read_python, candidates.pulumi_projects)
    zappa.scan(candidates.zappa, collector, read)
    layers.layout_roots(collector, candidates.python_folders, candidates.src_folders)

    unique = {}
    for handler in collector.handlers:  # two adapters may wrap the same imported app
        unique.setdefault((handler.module_file, handler.function, handler.source, handler.declared_in, handler.declared_line), handler)
    handlers = sorted(unique.values(), key=lambda h: (h.declared_in, h.declared_line, h.function))
    warnings = sorted(set(collector.warnings), key=lambda w: (warning_order(w), w))  # Globals inherited by many functions: once
    files_read = collector.files_read | {h.declared_in for h in handlers}
    return Discovery(handlers=handlers, covered_files=collector.covered_files(), warnings=warnings,
                     import_roots=list(collector.import_roots), warning_scopes=dict(collector.warning_scopes),
                     files_read=files_read)


def warning_order(warning: str):
    """Sort "path:line: message" by path, then by line as a number."""
    path, _, rest = warning.partition(":")
    line, _, _ = rest.partition(":")
    return (path, int(line) if line.isdigit() else 0)
