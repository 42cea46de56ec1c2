"""Line and column of nodes, computed only for the nodes that are asked about.

libcst's ``PositionProvider`` renders the whole module and builds a range for
every node (about twice the cost of parsing the module). We only ever need the
positions of a handful of nodes per module (reported nodes, handler names,
binding sites), so :class:`Positions` renders the module with a codegen state
that does nothing at the other nodes: it keeps the emitted tokens, counts lines
only when a wanted node starts or ends, records ranges only for wanted nodes
(and for the children a wanted node takes its start or end from, exactly as
``PositionProvider`` does), and stops rendering as soon as every wanted node is
placed. The ranges are identical to ``PositionProvider``'s.

Ask for several nodes at once with :meth:`Positions.prefetch` (one rendering).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange


# Once the targeted renderings of one module have emitted this many times the
# module's tokens (or, before a rendering has reached the end, after this many
# renderings), the next request positions every node at once.
MAX_TARGETED_RENDERINGS = 4


class _Placed(Exception):
    """Every wanted node has its range: stop rendering."""


class _TargetedState(CodegenState):
    """A codegen state that positions only the wanted nodes (see the module docstring)."""

    def __init__(self, module: cst.Module, wanted: Iterable[cst.CSTNode], computed: Dict[cst.CSTNode, CodeRange]):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.computed = computed
        self.targets = set(wanted)
        self.wanted = set(self.targets)  # grows with the nodes targets hoist positions from
        self.remaining = len(self.targets)
        self.starts: Dict[cst.CSTNode, list] = {}
        self.line = 1
        self.column = 0
        self.synced = 0  # tokens already counted into line/column

    def position(self) -> CodePosition:
        tokens = self.tokens
        end = len(tokens)
        if end != self.synced:
            text = "".join(tokens[self.synced:end]) if end - self.synced > 1 else tokens[self.synced]
            self.synced = end
            newlines = text.count("\n") + text.count("\r") - text.count("\r\n")
            if newlines:
                self.line += newlines
                self.column = len(text) - max(text.rfind("\n"), text.rfind("\r")) - 1
            else:
                self.column += len(text)
        return CodePosition(self.line, self.column)

    def pop_trailing_newline(self) -> None:
        # PositionProvider has counted the newline before the module drops it; so do we.
        self.position()
        super().pop_trailing_newline()
        self.synced = len(self.tokens)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.starts.setdefault(node, []).append(self.position())

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node not in self.wanted:
            return
        start = self.starts[node].pop()
        if node not in self.computed:  # a syntactic position recorded inside wins, as in PositionProvider
            self.computed[node] = CodeRange(start, self.position())
        if node in self.targets:
            self.targets.discard(node)
            self.remaining -= 1
            if self.remaining == 0:
                raise _Placed()

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if node not in self.wanted:
            yield
            return
        for hoisted in (start_node, end_node):
            if hoisted is not None:
                self.wanted.add(hoisted)
        start = self.position()
        yield
        end = self.position()
        if start_node is not None:
            start = self.computed[start_node].start
        if end_node is not None:
            end = self.computed[end_node].end
        self.computed[node] = CodeRange(start, end)


class Positions:
    """Positions of one module's nodes, computed on demand (see the module docstring)."""

    def __init__(self, module: cst.Module):
        self._module = module
        self._computed: Dict[cst.CSTNode, CodeRange] = {}
        self.renderings = 0  # how many times the module was rendered (for tests and profiling)
        self._emitted = 0  # tokens emitted by all renderings so far
        self._total: Optional[int] = None  # tokens of a whole rendering, once one got to the end

    def prefetch(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the ranges of ``nodes`` in one rendering of the module."""
        missing = {n for n in nodes if n not in self._computed}
        if not missing:
            return
        self.renderings += 1
        if self._emitted > MAX_TARGETED_RENDERINGS * (self._total or 0) and (
            self._total is not None or self.renderings > 3 * MAX_TARGETED_RENDERINGS
        ):
            # Asked again and again, one node at a time: position every node once.
            from libcst.metadata import MetadataWrapper, PositionProvider

            everything = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider)
            self._computed.update(everything)
            return
        state = _TargetedState(self._module, missing, self._computed)
        try:
            self._module._codegen(state)
            self._total = len(state.tokens)
        except _Placed:
            pass
        self._emitted += len(state.tokens)

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        if node not in self._computed:
            self.prefetch((node,))
        return self._computed[node]  # KeyError: not a node of this module, as with PositionProvider

    def line_of(self, node: cst.CSTNode) -> int:
        return self.range_of(node).start.line
