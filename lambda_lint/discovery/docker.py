"""Container images: a Dockerfile built on an AWS Lambda Python base image.

The image's ``CMD`` (JSON or shell form) is the handler string. It is resolved
from the image's task root (``/var/task``, ``$LAMBDA_TASK_ROOT``): the build
context folder that a ``COPY``/``ADD`` puts there (``COPY src/ ${LAMBDA_TASK_ROOT}``
-> ``src/``), else the Dockerfile's folder. The build context is taken to be
the Dockerfile's folder (SAM image functions pass their ``DockerContext``).
Multi-stage builds follow ``FROM <stage>`` back to the base image and inherit
the stage's ``CMD``. An image on another base that runs ``awslambdaric`` as its
``ENTRYPOINT`` counts too.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .common import Collector, EnvValue, candidate_texts, inside, module_candidates, split_handler

MARKERS = (b"lambda/python", b"aws-lambda-python", b"awslambdaric")
LAMBDA_PYTHON_IMAGE = re.compile(r"^(?:[\w.-]+(?::\d+)?/)?(?:public\.ecr\.aws/lambda/python|(?:docker\.io/)?amazon/aws-lambda-python)(?:[:@].*)?$", re.I)
TASK_ROOT = "/var/task"
_TASK_ROOT_VARIABLE = re.compile(r"\$\{?LAMBDA_TASK_ROOT\}?")


@dataclass
class Instruction:
    line: int  # 1-based line where the instruction starts
    keyword: str  # upper case
    arguments: str


@dataclass
class Stage:
    image: str
    alias: Optional[str]
    instructions: List[Instruction] = field(default_factory=list)


def instructions_of(text: str) -> List[Instruction]:
    """Dockerfile instructions with continuation lines joined and comments dropped."""
    escape = "`" if re.match(r"^\s*#\s*escape\s*=\s*`", text) else "\\"
    result: List[Instruction] = []
    pending: List[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are dropped by Docker
        if not pending:
            start = number
        if stripped.endswith(escape):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        keyword, _, arguments = joined.partition(" ")
        result.append(Instruction(start, keyword.upper(), arguments.strip()))
    if pending:
        joined = " ".join(pending).strip()
        keyword, _, arguments = joined.partition(" ")
        result.append(Instruction(start, keyword.upper(), arguments.strip()))
    return result


def stages_of(instructions: List[Instruction]) -> List[Stage]:
    stages: List[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            image = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(image, alias))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def stage_chain(stages: List[Stage]) -> List[Stage]:
    """The final stage and the stages it is built FROM, final first."""
    by_alias = {s.alias.lower(): s for s in stages if s.alias}
    chain: List[Stage] = []
    stage = stages[-1] if stages else None
    while stage is not None and stage not in chain:
        chain.append(stage)
        stage = by_alias.get(stage.image.lower())
    return chain


def last_instruction(chain: List[Stage], keyword: str) -> Optional[Instruction]:
    for stage in chain:  # final stage first: its own instruction wins over inherited ones
        found = [i for i in stage.instructions if i.keyword == keyword]
        if found:
            return found[-1]
    return None


def exec_form(arguments: str) -> List[str]:
    """``["a", "b"]`` -> [a, b]; shell form ``a b`` -> [a, b]."""
    text = arguments.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return []
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return text.split()


def is_lambda_image(chain: List[Stage]) -> bool:
    if any(LAMBDA_PYTHON_IMAGE.match(stage.image) for stage in chain):
        return True
    entrypoint = last_instruction(chain, "ENTRYPOINT")
    return entrypoint is not None and "awslambdaric" in entrypoint.arguments


def scan(paths: List[str], collector: Collector, read) -> None:
    for path, text in candidate_texts(paths, collector, read, MARKERS):
        chain = stage_chain(stages_of(instructions_of(text)))
        if not chain or not is_lambda_image(chain):
            continue
        cmd = last_instruction(chain, "CMD")
        if cmd is None:
            collector.warn(path, chain[0].instructions[0].line if chain[0].instructions else 1, "Lambda image has no CMD naming its handler; not analysed")
            continue
        command = exec_form(cmd.arguments)
        if not command:
            collector.warn(path, cmd.line, "CMD is not a handler string; not analysed")
            continue
        spec = command[0]
        split = split_handler(spec)
        if split is None:
            collector.warn(path, cmd.line, f"CMD '{spec}' is not of the form module.function; not analysed")
            continue
        code_root = _task_root_in_some_context(path, split[0], chain, collector.root)
        collector.add_spec(spec, "docker", path, cmd.line, code_root, environment=environment_of(chain, path),
                           installs_packages=installs_packages(chain))


PACKAGE_INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|poetry|pipenv)\s+(?:[\w-]+\s+)*install\b|\buv\s+sync\b")


def installs_packages(chain: List[Stage]) -> bool:
    """Whether a RUN of the image installs Python packages (the handler's module may be one)."""
    return any(i.keyword == "RUN" and PACKAGE_INSTALL.search(i.arguments) for stage in chain for i in stage.instructions)


def environment_of(chain: List[Stage], path: str) -> Dict[str, EnvValue]:
    """``ENV NAME=value`` / ``ENV NAME value`` of the image's stages (for the tracing wrappers)."""
    found: Dict[str, EnvValue] = {}
    for stage in reversed(chain):  # base stages first: later ones override
        for instruction in stage.instructions:
            if instruction.keyword != "ENV":
                continue
            text = instruction.arguments
            if "=" in text.split(None, 1)[0]:
                pairs = re.findall(r"""([\w.-]+)=("[^"]*"|'[^']*'|\S*)""", text)
            else:
                name, _, value = text.partition(" ")
                pairs = [(name, value.strip())]
            for name, value in pairs:
                value = value.strip("\"'")
                found[name] = EnvValue(None if "$" in value else value, instruction.line)
    return found


def _task_root_in_some_context(dockerfile: str, module_parts: List[str], chain, root: str) -> str:
    """The build context is not written in the Dockerfile (SAM's DockerContext, ``docker build -f``):
    try the Dockerfile's folder, then each folder above it inside the tree, and keep the first
    one whose COPY sources hold the handler's module."""
    context = os.path.dirname(dockerfile)
    first = task_root_for(dockerfile, context, module_parts, chain)
    folder = context
    while inside(folder, root):
        found = task_root_for(dockerfile, folder, module_parts, chain)
        if any(os.path.isfile(p) for p in module_candidates(found, module_parts)):
            return found
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    # A package installed into the image from a src layout next to the Dockerfile
    # (``COPY runtime/src/ ./src/`` then ``pip install``): its source is the module.
    installed = _package_source_below(os.path.dirname(dockerfile), module_parts)
    return installed or first


def _package_source_below(folder: str, module_parts: List[str], depth: int = 3) -> Optional[str]:
    """The folder holding package ``module_parts[0]`` (a ``src``-layout one), at most ``depth`` levels
    below ``folder``, when exactly one holds it and it has the handler's module."""
    found = []
    for current, dirs, _ in os.walk(folder):
        level = os.path.relpath(current, folder).count(os.sep) + (current != folder)
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("node_modules", "cdk.out")]
        if level >= depth:
            dirs[:] = []
        if module_parts[0] in dirs and os.path.basename(current) == "src":
            if any(os.path.isfile(p) for p in module_candidates(current, module_parts)):
                found.append(current)
    return found[0] if len(found) == 1 else None


def task_root_for(dockerfile: str, context: str, module_parts: List[str], chain: Optional[List[Stage]] = None) -> str:
    """The context folder whose files end up in the image's task root.

    Candidates come from COPY/ADD instructions into the task root; the first
    one holding the handler's module wins, else the first candidate, else the
    build context itself.
    """
    if chain is None:
        try:
            with open(dockerfile, encoding="utf-8") as fh:
                chain = stage_chain(stages_of(instructions_of(fh.read())))
        except (OSError, UnicodeDecodeError):
            chain = []
    # Lambda base images load handlers from /var/task; an image that runs
    # awslambdaric itself loads them from its working directory.
    stages = list(reversed(chain))  # base stages first, in build order
    lambda_base = any(LAMBDA_PYTHON_IMAGE.match(stage.image) for stage in chain)
    task_root = TASK_ROOT if lambda_base else final_workdir(stages)
    candidates: List[str] = []
    workdir = TASK_ROOT if lambda_base else "/"  # later stages inherit it from their base
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = resolve_workdir(workdir, instruction.arguments)
            elif instruction.keyword in ("COPY", "ADD"):
                candidates.extend(_task_root_sources(instruction.arguments, workdir, context, task_root))
    for candidate in candidates:
        if any(os.path.isfile(path) for path in module_candidates(candidate, module_parts)):
            return candidate
    return candidates[0] if candidates else context


def resolve_workdir(current: str, argument: str) -> str:
    return os.path.normpath(os.path.join(current, _TASK_ROOT_VARIABLE.sub(TASK_ROOT, argument.strip())))


def final_workdir(stages: List[Stage]) -> str:
    workdir = "/"
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = resolve_workdir(workdir, instruction.arguments)
    return workdir


def _task_root_sources(arguments: str, workdir: str, context: str, task_root: str) -> List[str]:
    words = exec_form(arguments)
    if any(w.startswith("--from") for w in words):
        return []  # copied from another stage or image, not from the context
    words = [w for w in words if not w.startswith("--")]
    if len(words) < 2:
        return []
    *sources, destination = words
    destination = _TASK_ROOT_VARIABLE.sub(TASK_ROOT, destination)
    destination = os.path.normpath(os.path.join(workdir, destination))
    found = []
    for source in sources:
        source_path = os.path.normpath(os.path.join(context, source))
        if destination == task_root:
            if os.path.isdir(source_path):
                found.append(source_path)  # the folder's contents land in the task root
            else:
                found.append(os.path.dirname(source_path))  # a file (or glob) lands in the task root
        elif destination.startswith(task_root.rstrip("/") + "/"):
            # COPY src/pkg ${LAMBDA_TASK_ROOT}/pkg: the task root is src/.
            below = destination[len(task_root.rstrip("/")) + 1:]
            if source_path.endswith(os.sep + below.replace("/", os.sep)):
                found.append(source_path[: -len(below) - 1])
    return found
