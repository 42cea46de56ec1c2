"""Loading YAML and JSON infrastructure files with the line of every mapping key.

``CloudFormationLoader`` is a ``yaml.SafeLoader`` (so no Python objects are
ever built from the file) that also accepts CloudFormation's short tags
(``!Ref``, ``!GetAtt``, ``!Sub``...). A tagged value becomes the long form
CloudFormation itself uses (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), so YAML and
JSON templates look the same to the readers.

Mappings load as ``LineMap`` (a dict that also knows the 1-based line of each
key) and sequences as ``LineList``: the lines are what LAM002 is reported on.
"""
from __future__ import annotations

import json
from typing import Callable, List, Optional

import yaml


class LineMap(dict):
    """A mapping that remembers where it and each of its keys start (1-based lines)."""

    line: Optional[int] = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_lines: dict = {}

    def line_of(self, key, default: Optional[int] = None) -> Optional[int]:
        return self.key_lines.get(key, self.line if default is None else default)


class LineList(list):
    line: Optional[int] = None


# Tags whose long form is not "Fn::<Name>".
_LONG_FORM = {"Ref": "Ref", "Condition": "Condition"}


class CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader plus CloudFormation short tags, building LineMap/LineList."""


def _construct_mapping(loader: CloudFormationLoader, node: yaml.MappingNode):
    data = LineMap()
    data.line = node.start_mark.line + 1
    yield data  # yielded first so that recursive aliases resolve like SafeLoader's
    loader.flatten_mapping(node)  # applies "<<" merge keys
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=False)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            ) from None
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: CloudFormationLoader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_object(child, deep=False) for child in node.value)


def _construct_intrinsic(loader: CloudFormationLoader, tag_suffix: str, node: yaml.Node):
    name = tag_suffix.lstrip("!")
    key = _LONG_FORM.get(name, f"Fn::{name}")
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = LineList(loader.construct_object(child, deep=True) for child in node.value)
        value.line = node.start_mark.line + 1
    else:
        value = LineMap()
        value.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            item_key = loader.construct_object(key_node, deep=True)
            value[item_key] = loader.construct_object(value_node, deep=True)
            value.key_lines[item_key] = key_node.start_mark.line + 1
    result = LineMap({key: value})
    result.line = node.start_mark.line + 1
    result.key_lines[key] = result.line
    return result


CloudFormationLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
CloudFormationLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


class LoadError(Exception):
    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line


def load_yaml_documents(text: str) -> List[object]:
    """Every document of a YAML stream, or LoadError with the line of the problem."""
    try:
        loader = CloudFormationLoader(text)
        try:
            documents = []
            while loader.check_data():
                documents.append(loader.get_data())
            return documents
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise LoadError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise LoadError("YAML nested too deeply to read") from None
    except (TypeError, ValueError) as exc:  # an unhashable key, an impossible date...
        raise LoadError(f"invalid YAML: {exc}") from None


def load_json_document(text: str) -> object:
    """A JSON document with key lines.

    ``json`` checks validity (its messages and lines are the familiar ones);
    the lines come from reading the same text as YAML, which JSON is a subset
    of once tabs between tokens are spaces (tabs inside valid JSON strings are
    always escaped, so replacing raw tabs changes nothing else). If that
    reading fails on some JSON corner, the data is still returned, without lines.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise LoadError("JSON nested too deeply to read") from None
    try:
        documents = load_yaml_documents(text.replace("\t", " "))
        if len(documents) == 1:
            return documents[0]
    except LoadError:
        pass
    return _without_lines(data)


def _without_lines(value):
    if isinstance(value, dict):
        out = LineMap()
        for key, item in value.items():
            out[key] = _without_lines(item)
        return out
    if isinstance(value, list):
        return LineList(_without_lines(item) for item in value)
    return value


def load_documents(path: str, text: str) -> List[object]:
    if path.lower().endswith(".json"):
        return [load_json_document(text)]
    return load_yaml_documents(text)


def mapping_at(parent: LineMap, key: str, path: str, warn: Callable[[str, Optional[int], str], None], what: str) -> Optional[LineMap]:
    """``parent[key]`` when it is a mapping; None when absent; None plus a warning for a wrong type."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, LineMap):
        return value
    warn(path, parent.line_of(key), f"{what} should be a mapping, found {type_name(value)}; ignored")
    return None


def type_name(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__
