"""``lambda-lint server``: a language server (LSP over stdio) on the project's analysis.

:mod:`.session` finds each document's project and configuration and runs the
warm, incremental check; :mod:`.lsp` speaks the protocol (pygls). This package
is an edge, like the CLI: it imports ``run/`` and below, never the reverse.
"""
from __future__ import annotations


def main() -> int:
    from .lsp import main as serve

    return serve()
