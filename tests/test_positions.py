"""Positions of wanted nodes only: the same ranges as libcst's PositionProvider."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from lambda_lint.analysis.positions import Positions

SOURCES = {
    "plain": "import os\n\n\ndef f(a, b=[]):\n    x = [1,\n         2]\n    return os.path.join(a, *x)\n",
    "decorated": "@app.get('/x')\n@cache\nasync def handler(event, context):\n    '''doc'''\n    await g()\n",
    "crlf": "x = 1\r\nif x:\r\n    y = (x +\r\n         2)\r\nelse:\r\n    pass\r\n",
    "cr": "x = 1\rdef f():\r    return x\r",
    "tabs": "class A:\n\tdef m(self):\n\t\tif self:\n\t\t\treturn [i for i in self]\n",
    "strings": 's = """a\nb\nc"""\nt = f"{s!r:>{10}}"\nu = (\n    "x"\n    "y"\n)\n',
    "semicolons": "a = 1; b = 2; c = a + b\nwhile c: c -= 1\n",
    "comments": "# head\n\n\nx = 1  # one\n# between\n\ndef f():\n    # inside\n    return x\n# tail\n",
    "no trailing newline": "def f():\n    return 1",
    "empty": "",
    "match": "match x:\n    case [a, *rest]:\n        pass\n    case {'k': v}:\n        pass\n",
}


def all_nodes(module: cst.Module) -> list:
    nodes = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node):
            nodes.append(node)
            return True

    module.visit(Collect())
    return nodes


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_node_as_provider(name):
    module = cst.parse_module(SOURCES[name])
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = all_nodes(module)
    together = Positions(module)
    together.prefetch(nodes)
    assert together.renderings <= 1
    for node in nodes:
        if node not in expected:  # libcst visits a few nodes that it never renders
            with pytest.raises(KeyError):
                Positions(module).range_of(node)
            continue
        assert together.range_of(node) == expected[node]
        assert Positions(module).range_of(node) == expected[node]  # one node at a time


def test_own_sources_as_provider():
    package = Path(__file__).resolve().parents[1] / "lambda_lint"
    for path in sorted(package.rglob("*.py"))[:12]:
        module = cst.parse_module(path.read_bytes())
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        positions = Positions(module)
        for node in all_nodes(module)[::7]:
            if node in expected:
                assert positions.range_of(node) == expected[node], (path, node)


def test_rendering_stops_at_the_last_wanted_node():
    module = cst.parse_module("x = 1\n" + "y = [2, 3]\n" * 2000)
    positions = Positions(module)
    assert positions.line_of(module.body[0]) == 1
    assert positions.renderings == 1
    assert positions.line_of(module.body[0]) == 1 and positions.renderings == 1  # kept
    assert positions.line_of(module.body[-1]) == 2001


def test_unknown_node_is_a_key_error():
    module = cst.parse_module("x = 1\n")
    with pytest.raises(KeyError):
        Positions(module).range_of(cst.Name("x"))
