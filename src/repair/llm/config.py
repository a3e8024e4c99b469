"""from_config: an adapter and the re-ask settings from a MetaGPT-style YAML config file."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ollama import Ollama
from .openai import OpenAICompatible


@dataclass(frozen=True)
class LLMConfig:
    """What `from_config` read: the adapter to call, whether to repair its output locally
    (MetaGPT's `repair_llm_output`), and the re-ask budget for `ActionNode.fill`."""

    llm: OpenAICompatible | Ollama
    repair_llm_output: bool = True
    max_retries: int = 3


_API_TYPES = ("open_llm", "ollama", "openai")
_OPENAI_URL = "https://api.openai.com/v1"


def from_config(path: str | os.PathLike[str]) -> LLMConfig:
    """Read a MetaGPT-style YAML config::

        llm:
          api_type: open_llm          # open_llm | ollama | openai (default openai, as in MetaGPT)
          base_url: http://127.0.0.1:8000/v1
          model: Qwen/Qwen2.5-7B-Instruct
          api_key: ...                # optional; else $REPAIR_LLM_API_KEY, then $OPENAI_API_KEY (openai)
          timeout: 120                # optional, seconds
          temperature: 0              # optional; also top_p, max_token (MetaGPT's spelling)
          response_format: json_object  # optional (open_llm, openai): json_object, or a mapping
                                        # ({type: json_schema, json_schema: {...}}, or a JSON Schema)
          format: json                # optional (ollama): json, or a JSON Schema mapping
          extra_body: {guided_json: {...}}  # optional: fields added to the request body
          max_response_bytes: 33554432      # optional: the bound on a response body (32 MiB)
        repair_llm_output: true       # false: no local repair, validation and re-ask only
        max_retries: 3                # re-asks for ActionNode.fill

    A missing or invalid field raises ValueError naming the field and the file.
    """
    import yaml

    path = Path(path)
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping with an `llm:` section at the top level")
    section = raw.get("llm")
    if section is None:
        raise ValueError(f"{where}: `llm` is missing: add an `llm:` section with api_type, base_url and model")
    if not isinstance(section, dict):
        raise ValueError(f"{where}: `llm` must be a mapping (api_type, base_url, model, api_key)")

    api_type = section.get("api_type", "openai")
    if not isinstance(api_type, str) or api_type.strip().lower() not in _API_TYPES:
        raise ValueError(f"{where}: `llm.api_type` must be one of {', '.join(_API_TYPES)}, got {api_type!r}")
    api_type = api_type.strip().lower()

    model = section.get("model")
    if model is None or (isinstance(model, str) and not model.strip()):
        raise ValueError(f"{where}: `llm.model` is missing: the model name the server serves")
    if not isinstance(model, str):
        raise ValueError(f"{where}: `llm.model` must be a string, got {type(model).__name__}")

    base_url = section.get("base_url")
    if base_url is None or (isinstance(base_url, str) and not base_url.strip()):
        if api_type != "openai":
            example = "http://127.0.0.1:11434/api" if api_type == "ollama" else "http://127.0.0.1:8000/v1"
            raise ValueError(f"{where}: `llm.base_url` is missing (for {api_type}, something like {example})")
        base_url = _OPENAI_URL
    if not isinstance(base_url, str) or not base_url.strip().lower().startswith(("http://", "https://")):
        raise ValueError(f"{where}: `llm.base_url` must be an http:// or https:// URL, got {base_url!r}")
    base_url = base_url.strip()

    timeout = section.get("timeout", 60.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"{where}: `llm.timeout` must be a positive number of seconds, got {timeout!r}")

    params: dict[str, Any] = {}
    for name, key in (("temperature", "temperature"), ("top_p", "top_p"), ("max_token", "max_tokens")):
        value = section.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: `llm.{name}` must be a number, got {value!r}")
        params[key] = value

    modes: dict[str, Any] = {}
    if "response_format" in section:
        if api_type == "ollama":
            raise ValueError(f"{where}: `llm.response_format` is for OpenAI-compatible servers; "
                             "Ollama's is `llm.format` (json, or a JSON Schema)")
        value = section["response_format"]
        if not isinstance(value, (str, dict)):
            raise ValueError(f"{where}: `llm.response_format` must be json_object or a mapping, got {value!r}")
        modes["response_format"] = value
    if "format" in section:
        if api_type != "ollama":
            raise ValueError(f"{where}: `llm.format` is Ollama's; for {api_type} use `llm.response_format`")
        value = section["format"]
        if value != "json" and not isinstance(value, dict):
            raise ValueError(f"{where}: `llm.format` must be json or a JSON Schema mapping, got {value!r}")
        modes["format"] = value
    if "extra_body" in section:
        if not isinstance(section["extra_body"], dict):
            raise ValueError(f"{where}: `llm.extra_body` must be a mapping of fields to add to the request")
        modes["extra_body"] = section["extra_body"]
    if "max_response_bytes" in section:
        value = section["max_response_bytes"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{where}: `llm.max_response_bytes` must be a whole number of bytes >= 1, got {value!r}")
        modes["max_response_bytes"] = value

    repair_output = raw.get("repair_llm_output")
    if "repair_llm_output" in section:
        warnings.warn(
            f"{where}: `repair_llm_output` is under `llm:`, where MetaGPT ignores it (its issue #934); "
            "move it to the top level of the file. It is honoured here"
            + (" but the top-level value wins" if repair_output is not None else ""),
            UserWarning, stacklevel=2,
        )
        if repair_output is None:
            repair_output = section["repair_llm_output"]
            field_name = "llm.repair_llm_output"
        else:
            field_name = "repair_llm_output"
    else:
        field_name = "repair_llm_output"
    if repair_output is None:
        repair_output = True
    if not isinstance(repair_output, bool):
        raise ValueError(f"{where}: `{field_name}` must be true or false, got {repair_output!r}")

    max_retries = raw.get("max_retries", 3)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"{where}: `max_retries` must be a whole number of 0 or more, got {max_retries!r}")

    llm: OpenAICompatible | Ollama
    if api_type == "ollama":
        options = dict(params)
        if "max_tokens" in options:
            options["num_predict"] = options.pop("max_tokens")
        try:
            llm = Ollama(base_url, model, timeout=float(timeout), **modes, **options)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    else:
        api_key = section.get("api_key")
        if api_key is not None and not isinstance(api_key, str):
            raise ValueError(f"{where}: `llm.api_key` must be a string")  # never echo the value
        if not api_key:
            api_key = os.environ.get("REPAIR_LLM_API_KEY") or None
        if not api_key and api_type == "openai":
            api_key = os.environ.get("OPENAI_API_KEY") or None
            if not api_key:
                raise ValueError(f"{where}: `llm.api_key` is missing: put it in the file or set "
                                 "REPAIR_LLM_API_KEY or OPENAI_API_KEY")
        try:
            llm = OpenAICompatible(base_url, model, api_key, timeout=float(timeout), **modes, **params)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    return LLMConfig(llm=llm, repair_llm_output=repair_output, max_retries=max_retries)
