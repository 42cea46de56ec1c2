"""Rule documentation: the Markdown pages in docs/rules/, `lambda-lint rule CODE`
and `lambda-lint rules`, all rendered from the rule classes themselves so the
docs cannot drift from the code.

LAM001 and LAM002 are reported by the tool, not by a rule, so they have no
class in ``lambda_lint.rules``; they get documentation-only classes here so
that every code has a page.
"""
from __future__ import annotations

import inspect
import textwrap
from typing import Union

from . import ALL_RULES, RULES_BY_CODE
from .base import DOC_SECTIONS, Rule

PROJECT_URL = "https://github.com/lambda-lint/lambda-lint"
DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules"

SECTION_TITLES = {
    "what": "What it does",
    "why": "Why is this bad?",
    "example": "Example",
    "use_instead": "Use instead",
    "fix_safety": "Fix safety",
    "references": "References",
}
CODE_SECTIONS = ("example", "use_instead")

# The hundreds digit of a code names its family (see the rule catalog).
FAMILIES = {
    "0": "the tool itself",
    "1": "state that outlives the invocation",
    "2": "connections and clients",
    "3": "background work that outlives the invocation",
    "4": "caches that only grow",
    "5": "the /tmp disk outlives the invocation",
}

FIX_AVAILABILITY = {
    "none": "No automatic fix is available.",
    "sometimes": "Fix is sometimes available.",
    "always": "Fix is always available.",
}


class _ToolCode(Rule):
    """A diagnostic the tool itself reports; documented like a rule, never run."""

    def check(self, ctx):  # pragma: no cover - never registered as a rule
        return ()


class ParseError(_ToolCode):
    code = "LAM001"
    name = "parse-error"
    summary = "A file cannot be read or parsed"
    what = """
        Reports a Python file that lambda-lint cannot read (missing, unreadable,
        not valid UTF-8) or that is not valid Python. The diagnostic is placed on
        the line of the syntax error as CPython reports it, or on line 1 when no
        line is known. All the other files of the project are still checked.
    """
    why = """
        A module that does not parse cannot be imported: the Lambda runtime fails
        the cold start with `Runtime.UserCodeSyntaxError` and every invocation of
        the function errors. It also means lambda-lint could not analyse the file,
        so none of its other diagnostics cover it.
    """
    example = """
        def lambda_handler(event, context)
            return {"statusCode": 200}
    """
    use_instead = """
        def lambda_handler(event, context):
            return {"statusCode": 200}
    """
    fix_safety = """
        There is no automatic fix: only the author knows what the code was meant
        to say. Run `python -m py_compile FILE` to see the full error.
    """
    references = (
        "[Python: Errors and Exceptions](https://docs.python.org/3/tutorial/errors.html)",
        "[AWS Lambda: Troubleshoot invocation issues](https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html)",
    )


class HandlerNotFound(_ToolCode):
    code = "LAM002"
    name = "handler-not-found"
    summary = "A handler named by configuration or by a template does not exist"
    what = """
        Reports a handler string (`module.function`) from lambda-lint's
        configuration or from an infrastructure template (AWS SAM,
        CloudFormation, Serverless Framework, AWS CDK, Terraform) whose module or
        function does not exist in the analysed code. The diagnostic is placed
        on the line that names the handler.
    """
    why = """
        The Lambda runtime cannot import a missing handler: every invocation
        fails with `Runtime.ImportModuleError` or `Runtime.HandlerNotFound`. And
        lambda-lint finds the warm path from the handler, so a function whose
        handler is not found is not analysed.
    """
    example = """
        # template.yaml names `Handler: billing.charge`, but billing.py has:
        def charge_card(event, context):
            return {"ok": True}
    """
    use_instead = """
        # billing.py defines the function the template names:
        def charge(event, context):
            return {"ok": True}
    """
    fix_safety = """
        There is no automatic fix: either the template or the code is wrong, and
        only the author knows which.
    """
    references = (
        "[AWS Lambda: Define Lambda function handler in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)",
        "[AWS SAM: AWS::Serverless::Function Handler](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)",
    )


class UnusedNoqa(_ToolCode):
    code = "LAM003"
    name = "unused-noqa"
    summary = "A `# noqa` comment names a lambda-lint code that it does not silence"
    default_enabled = False
    fixable = "always"
    what = """
        Reports a `# noqa: LAM...` comment whose lambda-lint codes silence no
        finding on that line (or on the statement that ends on it): the finding
        was fixed, the code is misspelt, or the code does not exist. Like Ruff's
        RUF100, and off by default like it: enable it with
        `--extend-select LAM003`. Codes of other tools (`E501`, `F401`) and a
        bare `# noqa` are never reported.
    """
    why = """
        A stale `# noqa` hides the next real finding on that line: when the
        warm-path bug comes back, nobody sees it. An unknown code (`LAM1O1`)
        silences nothing and looks as if it did.
    """
    example = """
        _seen = set()


        def lambda_handler(event, context):  # noqa: LAM101
            return {"ok": True}
    """
    use_instead = """
        _seen = set()


        def lambda_handler(event, context):
            return {"ok": True}
    """
    fix_safety = """
        The fix removes the unused codes (the whole comment when no code is
        left) and is safe: a code that silences nothing changes nothing.
    """
    references = (
        "[Ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)",
    )


TOOL_RULES = {cls.code: cls for cls in (ParseError, HandlerNotFound, UnusedNoqa)}
# code -> (name, summary), for callers that only need to name a tool diagnostic.
TOOL_CODES = {code: (cls.name, cls.summary) for code, cls in TOOL_RULES.items()}

RuleRef = Union[str, type]


def rule_class(code_or_rule: RuleRef) -> type:
    """The rule class for a code (a registered rule or a tool code); classes pass through."""
    if isinstance(code_or_rule, type):
        return code_or_rule
    code = code_or_rule.upper()
    if code in RULES_BY_CODE:
        return RULES_BY_CODE[code]
    if code in TOOL_RULES:
        return TOOL_RULES[code]
    raise KeyError(f"unknown rule code: {code_or_rule}")


def documented_rules() -> list:
    """Every code that has a page: the tool codes and all registered rules, by code."""
    return sorted([*TOOL_RULES.values(), *ALL_RULES], key=lambda r: r.code)


def is_tool_code(code: str) -> bool:
    return code in TOOL_RULES


def sections(rule_cls) -> dict:
    """The documentation sections, cleaned of the indentation of triple-quoted strings.

    Code is dedented as a block (so its own indentation survives); prose goes
    through ``inspect.cleandoc``, which also copes with a first line written
    right after the opening quotes.
    """
    result = {}
    for key in DOC_SECTIONS:
        if key == "references":
            result[key] = "\n".join(f"- {ref.strip()}" for ref in rule_cls.references if ref.strip())
        elif key in CODE_SECTIONS:
            result[key] = textwrap.dedent(getattr(rule_cls, key).lstrip("\r\n")).rstrip()
        else:
            result[key] = inspect.cleandoc(getattr(rule_cls, key))
    return result


def missing_sections(rule_cls) -> list:
    """The documentation sections (attribute names) that are empty, in page order."""
    return [key for key, text in sections(rule_class(rule_cls)).items() if not text.strip()]


def family(code: str) -> str:
    digit = code[3:4]
    described = FAMILIES.get(digit)
    label = f"LAM{digit}xx"
    return f"{label} ({described})" if described else label


def default_label(rule_cls) -> str:
    """on / off, as the rules table shows it (tool codes are on unless they say otherwise)."""
    return "on" if rule_cls.default_enabled else "off"


def status_line(rule_cls) -> str:
    code = rule_cls.code
    if is_tool_code(code) and not rule_cls.default_enabled:
        enabled = f"Reported by the tool itself, not by a rule; off by default; enable it with `--extend-select {code}`."
    elif is_tool_code(code):
        enabled = "Reported by the tool itself, not by a rule; always on."
    elif rule_cls.default_enabled:
        enabled = "On by default."
    else:
        enabled = f"Off by default; enable it with `--extend-select {code}`."
    fix = FIX_AVAILABILITY.get(rule_cls.fixable, f"Fix availability: {rule_cls.fixable}.")
    return f"Family {family(code)}. {enabled} {fix}"


def rule_markdown(code_or_rule: RuleRef) -> str:
    """The Ruff-style Markdown page for one code, as written to docs/rules/<CODE>.md."""
    rule_cls = rule_class(code_or_rule)
    parts = [f"# {rule_cls.name} ({rule_cls.code})"]
    if rule_cls.summary.strip():
        parts.append(inspect.cleandoc(rule_cls.summary))
    parts.append(status_line(rule_cls))
    for key, text in sections(rule_cls).items():
        parts.append(f"## {SECTION_TITLES[key]}")
        if key in CODE_SECTIONS:
            parts.append(f"```python\n{text}\n```")
        else:
            parts.append(text)
    return "\n\n".join(parts) + "\n"


def rule_terminal(code_or_rule: RuleRef) -> str:
    """Plain text for `lambda-lint rule CODE`: headings, prose, code indented by 4."""
    rule_cls = rule_class(code_or_rule)
    title = f"{rule_cls.name} ({rule_cls.code})"
    parts = [f"{title}\n{'=' * len(title)}"]
    if rule_cls.summary.strip():
        parts.append(inspect.cleandoc(rule_cls.summary))
    parts.append(status_line(rule_cls))
    for key, text in sections(rule_cls).items():
        heading = SECTION_TITLES[key]
        body = textwrap.indent(text, "    ") if key in CODE_SECTIONS else text
        parts.append(f"{heading}\n{'-' * len(heading)}\n{body}")
    return "\n\n".join(parts)


def rules_table(rules=None) -> str:
    """The table for `lambda-lint rules`: code, name, default on/off, fix."""
    rows = [("code", "name", "default", "fix")]
    for rule_cls in rules if rules is not None else documented_rules():
        rows.append((rule_cls.code, rule_cls.name, default_label(rule_cls), rule_cls.fixable))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[3]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def docs_index(rules=None) -> str:
    """docs/rules/README.md: one linked row per code."""
    lines = [
        "# lambda-lint rules",
        "",
        "Generated by `scripts/gen_rule_docs.py` from the rule classes; do not edit by hand.",
        "",
        "| Code | Name | Summary | Default | Fix |",
        "|---|---|---|---|---|",
    ]
    for rule_cls in rules if rules is not None else documented_rules():
        summary = " ".join(rule_cls.summary.split()).replace("|", "\\|")
        lines.append(
            f"| [{rule_cls.code}]({rule_cls.code}.md) | {rule_cls.name} | {summary} "
            f"| {default_label(rule_cls)} | {rule_cls.fixable} |"
        )
    return "\n".join(lines) + "\n"


def doc_pages(rules=None) -> dict:
    """Every generated file of docs/rules/: file name -> content."""
    rules = documented_rules() if rules is None else rules
    pages = {f"{rule_cls.code}.md": rule_markdown(rule_cls) for rule_cls in rules}
    pages["README.md"] = docs_index(rules)
    return pages


def help_uri(code: str) -> str:
    return f"{DOCS_URL}/{code}.md"
