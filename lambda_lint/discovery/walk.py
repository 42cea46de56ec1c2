"""One walk of the checked folder that picks candidate infrastructure files by name.

Only names are looked at here; each source then reads its candidates and drops
those that lack its marker text before parsing anything, so the cost follows
the number of infrastructure files, not the size of the tree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Set

from .common import SKIPPED_FOLDERS

TEMPLATE_EXTENSIONS = (".yaml", ".yml", ".json", ".template")
SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
ZAPPA_NAMES = frozenset({"zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml"})
TERRAGRUNT_NAMES = frozenset({"terragrunt.hcl"})
# JSON files that are never templates and can be large.
NOT_TEMPLATES = frozenset({"package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json", "composer.lock"})


@dataclass
class Candidates:
    templates: List[str] = field(default_factory=list)  # SAM / CloudFormation, YAML or JSON
    serverless: List[str] = field(default_factory=list)
    python: List[str] = field(default_factory=list)  # CDK apps, Chalice apps, ASGI adapters
    typescript: List[str] = field(default_factory=list)  # CDK stacks
    terraform: Dict[str, List[str]] = field(default_factory=dict)  # folder (a Terraform module) -> .tf files
    dockerfiles: List[str] = field(default_factory=list)
    zappa: List[str] = field(default_factory=list)
    terragrunt: List[str] = field(default_factory=list)
    cdk_apps: Set[str] = field(default_factory=set)  # folders holding a cdk.json
    pulumi_projects: Set[str] = field(default_factory=set)  # folders holding a Pulumi.yaml
    python_folders: List[str] = field(default_factory=list)  # folders named "python" (layer contents)
    src_folders: List[str] = field(default_factory=list)  # folders named "src" (src-layout packages)


def is_dockerfile(name: str) -> bool:
    lower = name.lower()
    return lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") or lower.endswith(".dockerfile")


def find_candidates(root: str, is_excluded: Callable[[str], bool]) -> Candidates:
    found = Candidates()
    for current, dirnames, filenames in os.walk(root):
        if current != root and "pyvenv.cfg" in filenames:  # a virtualenv under the tree
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_FOLDERS and not is_excluded(os.path.join(current, d)))
        for name in dirnames:
            if name == "python":
                found.python_folders.append(os.path.join(current, name))
            elif name == "src":
                found.src_folders.append(os.path.join(current, name))
        if "cdk.json" in filenames:
            found.cdk_apps.add(current)
        if "Pulumi.yaml" in filenames or "Pulumi.yml" in filenames:
            found.pulumi_projects.add(current)
        for name in sorted(filenames):
            path = os.path.join(current, name)
            lower = name.lower()
            if lower.endswith(".py"):
                kind = found.python
            elif lower.endswith(".ts") and not lower.endswith(".d.ts"):
                kind = found.typescript
            elif lower.endswith((".tf", ".tf.json")):
                kind = found.terraform.setdefault(current, [])
            elif lower in SERVERLESS_NAMES:
                kind = found.serverless
            elif lower in ZAPPA_NAMES:
                kind = found.zappa
            elif lower in TERRAGRUNT_NAMES:
                kind = found.terragrunt
            elif lower.endswith(TEMPLATE_EXTENSIONS) and lower not in NOT_TEMPLATES:
                kind = found.templates
            elif is_dockerfile(name):
                kind = found.dockerfiles
            else:
                continue
            if not is_excluded(path):
                kind.append(path)
    found.terraform = {folder: paths for folder, paths in found.terraform.items() if paths}
    return found
