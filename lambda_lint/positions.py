"""Line and column of nodes, computed only for modules that have something to report."""
from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


class Positions:
    """Positions of one module's nodes (libcst's PositionProvider, resolved once, on demand)."""

    def __init__(self, module: cst.Module):
        self._module = module
        self._ranges = None

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        if self._ranges is None:
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._ranges = wrapper.resolve(PositionProvider)
        return self._ranges[node]

    def line_of(self, node: cst.CSTNode) -> int:
        return self.range_of(node).start.line
