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

SnapStart is on for a resource with ``snap_start { apply_on = "PublishedVersions" }``
and for a lambda module with ``snap_start = true``; a variable is off.
"""
from __future__ import annotations

import json
import os
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .common import Collector, EnvValue, candidate_texts, first_line_containing, inside, is_python_runtime, line_of_offset

MARKERS = (b"aws_lambda_function", b"handler", b"archive_file")
ARCHIVE_OUTPUT = re.compile(r"^\$\{data\.archive_file\.([\w-]+)\.output_path\}$")
PATH_VARIABLES = re.compile(r"\$\{path\.(?:module|root|cwd)\}")
REFERENCE = re.compile(r"\$\{(var|local)\.([\w-]+)\}")
S3_OBJECT_KEY = re.compile(r"^\$\{(aws_s3_object|aws_s3_bucket_object)\.([\w-]+)\.(?:key|id)\}$")
TERRAGRUNT_DIR = re.compile(r"\$\{get_terragrunt_dir\(\)\}")
REPO_ROOT = re.compile(r"\$\{get_repo_root\(\)\}")
TERRAGRUNT_LOCAL = re.compile(r"\$\{local\.([\w-]+)\}")
MAX_EXPANSIONS = 10


def scan(folders: Dict[str, List[str]], collector: Collector, read, terragrunt: Sequence[str] = ()) -> None:
    instantiated = set()
    for path in terragrunt:
        module_folder = read_terragrunt(path, folders, collector, read)
        if module_folder is not None:
            instantiated.add(module_folder)
    for folder, paths in sorted(folders.items()):
        if folder in instantiated:
            continue  # read with the inputs of the terragrunt.hcl that deploys it
        parsed = parse_folder(paths, collector, read)
        if parsed:
            ModuleReader(folder, parsed, collector).read()


def parse_folder(paths: List[str], collector: Collector, read) -> List[Tuple[str, str, dict]]:
    parsed: List[Tuple[str, str, dict]] = []
    for path, text in candidate_texts(paths, collector, read, MARKERS):
        document = parse_json(path, text, collector) if path.lower().endswith(".json") else parse_hcl(path, text, collector)
        if document is not None:
            parsed.append((path, text, document))
    return parsed


def parse_json(path: str, text: str, collector: Collector) -> Optional[dict]:
    """A ``.tf.json`` file in the shape python-hcl2 gives ``.tf`` files (blocks as lists)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        collector.warn(path, getattr(exc, "lineno", 1), f"invalid JSON: {getattr(exc, 'msg', exc)}")
        return None
    except RecursionError:
        collector.warn(path, 1, "JSON nested too deeply to read")
        return None
    if not isinstance(document, dict):
        collector.warn(path, 1, "Terraform JSON should be an object; ignored")
        return None
    return {key: value if isinstance(value, list) else [value] for key, value in document.items()}


def read_terragrunt(path: str, folders: Dict[str, List[str]], collector: Collector, read) -> Optional[str]:
    """``terraform { source = "<local module>" }`` with ``inputs = {...}``: the module read with the inputs
    as its variables. Remote sources (git::, registry) have no local code. Returns the module folder read."""
    data = read(path, (b"source",))
    text = collector.read_text(path, data) if data is not None else None
    document = parse_hcl(path, text, collector) if text is not None else None
    if document is None:
        return None
    folder = os.path.dirname(path)
    blocks = document.get("terraform")
    block = blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}
    source = unquote(block.get("source"))
    if source is None:
        return None
    terragrunt_locals = {}
    for entry in document.get("locals") or []:
        if isinstance(entry, dict):
            terragrunt_locals.update({k: unquote(v) for k, v in entry.items() if isinstance(unquote(v), str)})

    def expand(text: str, depth: int = 0) -> str:
        # get_repo_root() is taken to be the checked folder: where a repository is usually checked from.
        text = TERRAGRUNT_DIR.sub(lambda _: folder, REPO_ROOT.sub(lambda _: collector.root, text))
        if depth > MAX_EXPANSIONS:
            return text
        return TERRAGRUNT_LOCAL.sub(lambda m: expand(terragrunt_locals[m.group(1)], depth + 1)
                                    if m.group(1) in terragrunt_locals else m.group(0), text)

    if "::" in source or source.startswith(("tfr:", "git@", "github.com/", "https://", "s3:")):
        return None  # a remote module: no local code
    # "../modules//lambda": the part before "//" is what terragrunt copies, the path is the same.
    source = expand(source).replace("//", "/")
    if "${" in source:
        return None
    module_folder = os.path.normpath(os.path.join(folder, source))
    if module_folder not in folders or not inside(module_folder, collector.root):
        return None
    inputs = document.get("inputs")
    overrides = {}
    if isinstance(inputs, dict):
        for name, value in inputs.items():
            text_value = unquote(value)
            if isinstance(text_value, str):
                overrides[unquote(name) or name] = '"' + expand(text_value) + '"'
    parsed = parse_folder(folders[module_folder], collector, read)
    if parsed:
        ModuleReader(module_folder, parsed, collector, overrides).read()
    return module_folder


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
    def __init__(self, folder: str, parsed: List[Tuple[str, str, dict]], collector: Collector, inputs: Optional[Dict[str, str]] = None):
        self.folder = folder
        self.parsed = parsed
        self.collector = collector
        self.archives: Dict[str, dict] = {}
        self.s3_objects: Dict[str, dict] = {}
        self.values: Dict[str, object] = {}  # "var.x" (default, or a terragrunt input), "local.x"
        for _, _, document in parsed:
            for labels, attributes in labelled_blocks(document, "data", 2):
                if labels[0] == "archive_file":
                    self.archives[labels[1]] = attributes
            for labels, attributes in labelled_blocks(document, "resource", 2):
                if labels[0] in ("aws_s3_object", "aws_s3_bucket_object"):
                    self.s3_objects[f"{labels[0]}.{labels[1]}"] = attributes
            for labels, attributes in labelled_blocks(document, "variable", 1):
                if "default" in attributes:
                    self.values[f"var.{labels[0]}"] = attributes["default"]
            for entry in document.get("locals") or []:
                if isinstance(entry, dict):
                    for name, value in entry.items():
                        if not str(name).startswith("__"):
                            self.values[f"local.{name}"] = value
        for name, value in (inputs or {}).items():
            self.values[f"var.{name}"] = value

    def read(self) -> None:
        for path, text, document in self.parsed:
            for labels, attributes in labelled_blocks(document, "resource", 2):
                if labels[0] == "aws_lambda_function":
                    self.lambda_resource(path, text, labels[1], attributes)
            for labels, attributes in labelled_blocks(document, "module", 1):
                if "handler" in attributes:
                    self.lambda_module(path, text, labels[0], attributes)

    def expand(self, value: Optional[str]) -> Optional[str]:
        """The string with ``${path.module}``, and variables and locals that are literal strings, replaced;
        None when something else remains."""
        if value is None:
            return None
        expanded = PATH_VARIABLES.sub(lambda _: self.folder, value)
        for _ in range(MAX_EXPANSIONS):
            if "${" not in expanded:
                return expanded
            changed = REFERENCE.sub(self._reference, expanded)
            if changed == expanded:
                return None
            expanded = PATH_VARIABLES.sub(lambda _: self.folder, changed)
        return None

    def _reference(self, match: re.Match) -> str:
        value = unquote(self.values.get(f"{match.group(1)}.{match.group(2)}"))
        return value if isinstance(value, str) else match.group(0)

    def environment_of(self, path: str, text: str, attributes: dict) -> Dict[str, EnvValue]:
        """``environment { variables = {...} }`` with the values that expand to literal strings."""
        blocks = attributes.get("environment")
        blocks = blocks if isinstance(blocks, list) else [blocks]
        found: Dict[str, EnvValue] = {}
        for block in blocks:
            variables = block.get("variables") if isinstance(block, dict) else None
            if isinstance(variables, dict):
                for name, value in variables.items():
                    name = unquote(name) or str(name)
                    if name.startswith("__"):
                        continue
                    literal = unquote(value)
                    line = first_line_containing(text, name)
                    found[name] = EnvValue(self.expand(literal) if isinstance(literal, str) else None, line)
        return found

    def handler_of(self, path: str, text: str, words: List[str], name: str, attributes: dict) -> Optional[Tuple[str, int]]:
        handler = unquote(attributes.get("handler"))
        if path.lower().endswith(".json"):
            line = first_line_containing(text, f'"{handler}"') if isinstance(handler, str) else 1
        else:
            line = attribute_line(text, words, "handler")
        if handler is None:
            self.collector.warn(path, line, f"{name} has no handler; not analysed")
            return None
        expanded = self.expand(handler)
        if expanded is None:
            # The code is usually under the module's folder: the convention may find its handlers there.
            self.collector.warn(path, line, f"handler of {name} is not a literal string; not analysed", self.folder)
            return None
        return expanded, line

    def lambda_resource(self, path: str, text: str, name: str, attributes: dict) -> None:
        what = f"aws_lambda_function.{name}"
        if (unquote(attributes.get("package_type")) or "").lower() == "image":
            return
        if not is_python_runtime(unquote(attributes.get("runtime"))):
            return
        words = ["resource", "aws_lambda_function", name]
        filename = unquote(attributes.get("filename"))
        if filename is None:
            s3_key = unquote(attributes.get("s3_key"))
            s3_object = S3_OBJECT_KEY.match(s3_key) if isinstance(s3_key, str) else None
            uploaded = self.s3_objects.get(f"{s3_object.group(1)}.{s3_object.group(2)}") if s3_object else None
            filename = unquote(uploaded.get("source")) if isinstance(uploaded, dict) else None
            if filename is None:
                return  # code already on S3, or image_uri: no local code
        found = self.handler_of(path, text, words, what, attributes)
        if found is None:
            return
        handler, line = found
        self.environment = self.environment_of(path, text, attributes)
        self.layered = bool(attributes.get("layers"))
        self.snapstart = resource_snapstart(attributes)
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
                    self.add(handler, path, line, code_root)
                return
        self.from_archive(path, line, what, handler, archive)

    def add(self, handler: str, path: str, line: int, code_root: str, covered=None) -> None:
        self.collector.add_spec(handler, "terraform", path, line, code_root, covered=covered,
                                environment=getattr(self, "environment", None), layered=getattr(self, "layered", False),
                                snapstart=getattr(self, "snapstart", False))

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
                self.add(handler, path, line, code_root)
        elif source_file is not None:
            expanded = self.expand(source_file)
            if expanded is None:
                self.collector.warn(path, line, f"source_file of the archive of {what} cannot be resolved; not analysed")
                return
            file_path = os.path.normpath(os.path.join(self.folder, expanded))
            code_root = self.collector.local_folder(self.folder, os.path.dirname(expanded) or ".", f"source_file of the archive of {what}", path, line)
            if code_root is not None:
                # A single-file archive deploys that file alone, at the top of the zip.
                self.add(handler, path, line, code_root, covered=[file_path])
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
            variables = attributes.get("environment_variables")
            self.environment = {}
            if isinstance(variables, dict):
                for key, value in variables.items():
                    literal = unquote(value)
                    self.environment[unquote(key) or str(key)] = EnvValue(self.expand(literal) if isinstance(literal, str) else None,
                                                                           first_line_containing(text, unquote(key) or str(key)))
            self.layered = bool(attributes.get("layers"))
            # terraform-aws-modules/lambda: ``snap_start = true`` (a bool variable).
            self.snapstart = attributes.get("snap_start") is True or unquote(attributes.get("snap_start")) == "true"
            self.add(handler, path, line, code_root)


def resource_snapstart(attributes: dict) -> bool:
    """``snap_start { apply_on = "PublishedVersions" }`` in an aws_lambda_function."""
    blocks = attributes.get("snap_start")
    blocks = blocks if isinstance(blocks, list) else [blocks]
    for block in blocks:
        if isinstance(block, dict) and unquote(block.get("apply_on")) == "PublishedVersions":
            return True
    return False


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
