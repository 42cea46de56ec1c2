"""lambda-lint: finds the bugs in AWS Lambda Python code that only show on warm invocations."""

__version__ = "0.1.0"
