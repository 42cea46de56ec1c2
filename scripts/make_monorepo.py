"""Write a synthetic monorepo of N small Lambda projects (for timing one-file runs).

    python scripts/make_monorepo.py /tmp/mono --projects 1000

Each project has a pyproject.toml (no lambda-lint table), a SAM template, a
handler and a helper it calls; the monorepo root is a git work tree with a
.gitignore. `lambda-lint check svc0500/src/app.py` from the root is what a
pre-commit hook runs.
"""
from __future__ import annotations

import argparse
import os

TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.12
"""
APP = """import json

from helpers import record


def lambda_handler(event, context):
    record(event.get("id"))
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""
HELPERS = """_seen = []


def record(item):
    _seen.append(item)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--projects", type=int, default=1000)
    args = parser.parse_args()
    os.makedirs(os.path.join(args.root, ".git"), exist_ok=True)
    with open(os.path.join(args.root, ".gitignore"), "w") as fh:
        fh.write("build/\n*.pyc\n")
    for i in range(args.projects):
        project = os.path.join(args.root, f"svc{i:04d}")
        os.makedirs(os.path.join(project, "src"), exist_ok=True)
        files = {"pyproject.toml": f"[project]\nname = 'svc{i:04d}'\n", "template.yaml": TEMPLATE,
                 "src/app.py": APP, "src/helpers.py": HELPERS}
        for rel, text in files.items():
            with open(os.path.join(project, rel), "w") as fh:
                fh.write(text)


if __name__ == "__main__":
    main()
