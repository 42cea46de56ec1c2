"""Lambda layers and helper packages: the folders a deployed function imports from
besides its own code.

A Python layer's zip holds ``python/<pkg>``, which the runtime puts on
``sys.path`` (``/opt/python``). So the import root of a layer whose content is
the folder ``X`` is ``X/python`` when that exists, else ``X`` (layers built by
a tool that adds the prefix). Layer folders come from:

* SAM ``AWS::Serverless::LayerVersion`` ``ContentUri`` and CloudFormation
  ``AWS::Lambda::LayerVersion`` ``Content`` given as a local path;
* Serverless ``layers.<name>.path``;
* CDK ``LayerVersion(code=Code.from_asset(...))`` and ``PythonLayerVersion(entry=...)``
  (read by :mod:`.cdk`);
* the usual layouts, found while walking the tree: ``<...layer...>/python/<pkg>``
  (a folder called ``python`` inside one whose name contains "layer"), and
  src-layout packages ``<pkg>/src/<pkg>`` (a ``src`` folder holding a package
  named like the folder above it).

These roots are searched after the importer's own folders, so they never shadow
a module of the function itself.
"""
from __future__ import annotations

import os

from .common import Collector, inside


def layer_root(collector: Collector, folder: str) -> None:
    """Record the import root of a layer whose content is ``folder``."""
    if not inside(folder, collector.root) or not os.path.isdir(folder):
        return
    python = os.path.join(folder, "python")
    collector.add_import_root(python if os.path.isdir(python) else folder)


def layout_roots(collector: Collector, python_folders, src_folders) -> None:
    """Import roots from the usual layouts (folders seen by the walk)."""
    for folder in python_folders:
        parent = os.path.basename(os.path.dirname(folder)).lower()
        if "layer" in parent and _holds_python(folder):
            collector.add_import_root(folder)
    for folder in src_folders:
        package = os.path.basename(os.path.dirname(folder))
        for name in {package, package.replace("-", "_")}:
            if os.path.isfile(os.path.join(folder, name, "__init__.py")):
                collector.add_import_root(folder)
                break


def _holds_python(folder: str) -> bool:
    try:
        entries = os.listdir(folder)
    except OSError:
        return False
    for entry in entries:
        path = os.path.join(folder, entry)
        if entry.endswith(".py") or os.path.isfile(os.path.join(path, "__init__.py")):
            return True
    return False
