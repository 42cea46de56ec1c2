"""Terraform configurations (``.tf``, read with python-hcl2).

* ``resource "aws_lambda_function"``: ``handler``, and the code folder from
  ``filename``: a ``data "archive_file"`` output (``data.archive_file.x.output_path``,
  or a literal path equal to an archive's ``output_path``) gives its
  ``source_dir`` (or the folder of its ``source_file``); another literal zip
  path stands for the folder of the same name without ``.zip``.
* ``module`` blocks in the terraform-aws-modules/lambda style that pass
  ``handler`` and ``source_path`` (a string, or a list whose first entry is a
  string or has a ``path``) or ``source_dir``.

A Terraform module is a folder, so ``archive_file`` blocks are looked up across
all ``.tf`` files of the same folder. ``${path.module}``, ``${path.root}`` and
``${path.cwd}`` are the folder itself; any other interpolation cannot be
resolved and gets a warning. python-hcl2 gives no line numbers, so the line of
``handler = ...`` is found in the text of its block.
"""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Tuple

from .common import Collector, candidate_texts, is_python_runtime, line_of_offset

MARKERS = (b"aws_lambda_function", b"handler", b"archive_file")
ARCHIVE_OUTPUT = re.compile(r"^\$\{data\.archive_file\.([\w-]+)\.output_path\}$")
PATH_VARIABLES = re.compile(r"\$\{path\.(?:module|root|cwd)\}")


def scan(folders: Dict[str, List[str]], collector: Collector, read) -> None:
    for folder, paths in sorted(folders.items()):
        parsed: List[Tuple[str, str, dict]] = []
        for path, text in candidate_texts(paths, collector, read, MARKERS):
            document = parse_hcl(path, text, collector)
            if document is not None:
                parsed.append((path, text, document))
        if parsed:
            ModuleReader(folder, parsed, collector).read()


def parse_hcl(path: str, text: str, collector: Collector) -> Optional[dict]:
    try:
        import hcl2
    except ImportError:  # the dependency is declared; a broken install should not crash a check
        collector.warn(path, 1, "python-hcl2 is not installed; Terraform files are not read")
        return None
    try:
        document = hcl2.loads(text)
    except RecursionError:
        collector.warn(path, 1, "HCL nested too deeply to read")
        return None
    except Exception as exc:  # lark raises many error types for bad input
        line = getattr(exc, "line", None)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        collector.warn(path, line if isinstance(line, int) and line > 0 else 1, f"invalid HCL: {message}")
        return None
    return document if isinstance(document, dict) else None


def unquote(text) -> Optional[str]:
    """A string attribute as written inside its quotes; python-hcl2 8 keeps the quotes, older versions do not."""
    if isinstance(text, list) and len(text) == 1:
        text = text[0]  # very old python-hcl2 wrapped every attribute value in a list
    if not isinstance(text, str):
        return None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def labelled_blocks(document: dict, kind: str, depth: int) -> Iterable[Tuple[List[str], dict]]:
    """(labels, attributes) of every ``kind`` block; ``depth`` is the number of labels."""
    entries = document.get(kind)
    if not isinstance(entries, list):
        return
    for entry in entries:
        yield from _unfold(entry, depth, [])


def _unfold(value, depth: int, labels: List[str]):
    if not isinstance(value, dict):
        return
    if depth == 0:
        yield labels, value
        return
    for key, inner in value.items():
        if isinstance(key, str) and key.startswith("__"):
            continue  # python-hcl2 metadata (__is_block__, __comments__)
        yield from _unfold(inner, depth - 1, labels + [unquote(key) or ""])


class ModuleReader:
    def __init__(self, folder: str, parsed: List[Tuple[str, str, dict]], collector: Collector):
        self.folder = folder
        self.parsed = parsed
        self.collector = collector
        self.archives: Dict[str, dict] = {}
        for _, _, document in parsed:
            for labels, attributes in labelled_blocks(document, "data", 2):
                if labels[0] == "archive_file":
                    self.archives[labels[1]] = attributes

    def read(self) -> None:
        for path, text, document in self.parsed:
            for labels, attributes in labelled_blocks(document, "resource", 2):
                if labels[0] == "aws_lambda_function":
                    self.lambda_resource(path, text, labels[1], attributes)
            for labels, attributes in labelled_blocks(document, "module", 1):
                if "handler" in attributes:
                    self.lambda_module(path, text, labels[0], attributes)

    def expand(self, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        expanded = PATH_VARIABLES.sub(lambda _: self.folder, value)
        return None if "${" in expanded else expanded

    def handler_of(self, path: str, text: str, words: List[str], name: str, attributes: dict) -> Optional[Tuple[str, int]]:
        line = attribute_line(text, words, "handler")
        handler = unquote(attributes.get("handler"))
        if handler is None:
            self.collector.warn(path, line, f"{name} has no handler; not analysed")
            return None
        if "${" in handler:
            self.collector.warn(path, line, f"handler of {name} is not a literal string; not analysed")
            return None
        return handler, line

    def lambda_resource(self, path: str, text: str, name: str, attributes: dict) -> None:
        what = f"aws_lambda_function.{name}"
        if (unquote(attributes.get("package_type")) or "").lower() == "image":
            return
        if not is_python_runtime(unquote(attributes.get("runtime"))):
            return
        words = ["resource", "aws_lambda_function", name]
        filename = unquote(attributes.get("filename"))
        if filename is None:
            return  # s3_bucket/s3_key or image_uri: no local code
        found = self.handler_of(path, text, words, what, attributes)
        if found is None:
            return
        handler, line = found
        reference = ARCHIVE_OUTPUT.match(filename)
        archive = None
        if reference:
            archive = self.archives.get(reference.group(1))
            if archive is None:
                self.collector.warn(path, line, f"{what} uses data.archive_file.{reference.group(1)}, which this module does not define; not analysed")
                return
        else:
            literal = self.expand(filename)
            if literal is None:
                self.collector.warn(path, line, f"filename of {what} cannot be resolved; not analysed")
                return
            archive = self.archive_built_at(literal)
            if archive is None:
                code_root = self.collector.local_folder(self.folder, literal, f"filename of {what}", path, line)
                if code_root is not None:
                    self.collector.add_spec(handler, "terraform", path, line, code_root)
                return
        self.from_archive(path, line, what, handler, archive)

    def archive_built_at(self, literal: str) -> Optional[dict]:
        target = os.path.normpath(os.path.join(self.folder, literal))
        for attributes in self.archives.values():
            output = self.expand(unquote(attributes.get("output_path")))
            if output is not None and os.path.normpath(os.path.join(self.folder, output)) == target:
                return attributes
        return None

    def from_archive(self, path: str, line: int, what: str, handler: str, archive: dict) -> None:
        source_dir = unquote(archive.get("source_dir"))
        source_file = unquote(archive.get("source_file"))
        if source_dir is not None:
            expanded = self.expand(source_dir)
            if expanded is None:
                self.collector.warn(path, line, f"source_dir of the archive of {what} cannot be resolved; not analysed")
                return
            code_root = self.collector.local_folder(self.folder, expanded, f"source_dir of the archive of {what}", path, line)
            if code_root is not None:
                self.collector.add_spec(handler, "terraform", path, line, code_root)
        elif source_file is not None:
            expanded = self.expand(source_file)
            if expanded is None:
                self.collector.warn(path, line, f"source_file of the archive of {what} cannot be resolved; not analysed")
                return
            file_path = os.path.normpath(os.path.join(self.folder, expanded))
            code_root = self.collector.local_folder(self.folder, os.path.dirname(expanded) or ".", f"source_file of the archive of {what}", path, line)
            if code_root is not None:
                # A single-file archive deploys that file alone, at the top of the zip.
                self.collector.add_spec(handler, "terraform", path, line, code_root, covered=[file_path])
        # An archive built from inline "source" blocks has no local code to check.

    def lambda_module(self, path: str, text: str, name: str, attributes: dict) -> None:
        what = f"module.{name}"
        if (unquote(attributes.get("package_type")) or "").lower() == "image":
            return
        if not is_python_runtime(unquote(attributes.get("runtime"))):
            return
        source = attributes.get("source_path", attributes.get("source_dir"))
        if isinstance(source, list) and source:
            first = source[0]
            source = first.get("path") if isinstance(first, dict) else first
        source = unquote(source)
        if source is None:
            return  # a pre-built package or S3 object
        words = ["module", name]
        found = self.handler_of(path, text, words, what, attributes)
        if found is None:
            return
        handler, line = found
        expanded = self.expand(source)
        if expanded is None:
            self.collector.warn(path, line, f"source_path of {what} cannot be resolved; not analysed")
            return
        code_root = self.collector.local_folder(self.folder, expanded, f"source_path of {what}", path, line)
        if code_root is not None:
            self.collector.add_spec(handler, "terraform", path, line, code_root)


def attribute_line(text: str, words: List[str], attribute: str) -> int:
    """The line of ``attribute =`` inside the block ``words[0] "words[1]" ... {``.

    Falls back to the block's first line, then to line 1.
    """
    header = r"^[ \t]*" + r"[ \t]+".join(rf'"?{re.escape(w)}"?' for w in words) + r"[ \t]*\{"
    match = re.search(header, text, re.M)
    if match is None:
        return 1
    end = block_end(text, match.end())
    assignment = re.compile(rf"^[ \t]*{re.escape(attribute)}[ \t]*=", re.M).search(text, match.end(), end)
    if assignment is None:
        return line_of_offset(text, match.start())
    return line_of_offset(text, assignment.start())


def block_end(text: str, position: int) -> int:
    """The offset of the brace closing a block whose ``{`` ends just before ``position``."""
    depth = 1
    index = position
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char == "#" or text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 1
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return length
