"""`--schema` on the command line: a JSON Schema file, or `module:Name` (a pydantic model
or any type pydantic's TypeAdapter accepts, imported from the current directory too)."""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any


class SchemaArgError(ValueError):
    """The --schema value could not be loaded; the message says what to try next."""


def load_schema(spec: str) -> Any:
    """The schema `spec` names: a JSON Schema dict read from a file, or the object at
    `module:Name` (a pydantic model, a type, or whatever else is there: compile_schema judges)."""
    if os.path.isfile(spec):
        try:
            with open(spec, encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError) as exc:
            raise SchemaArgError(f"--schema {spec}: not a readable JSON Schema file ({exc}); give a .json file or module:Model") from None
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SchemaArgError(f"--schema {spec}: no such file, and not of the form module:Model (e.g. myapp.models:Invoice)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's to see, briefly
        raise SchemaArgError(f"--schema {spec}: cannot import {module_name!r} ({type(exc).__name__}: {exc}); check PYTHONPATH") from None
    target = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise SchemaArgError(f"--schema {spec}: {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    return target
