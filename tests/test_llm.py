"""repair.llm against a real scripted HTTP server on 127.0.0.1 (tests/llm_server.py); no other network."""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
import traceback

import pytest

from llm_server import Delay, Drop, Reply, Status, Trickle, start_server
from repair.llm import MAX_RETRY_AFTER, LLMConfig, LLMError, Ollama, OpenAICompatible, from_config
from repair.llm import Reply as LLMReply

KEY = "sk-test-SECRET-0123456789abcdef"
MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Name a colour"}]


pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


@pytest.fixture
def serve():
    """`serve(step, ...)` starts a scripted server that is closed after the test."""
    servers = []

    def start(*script):
        server = start_server(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def openai(server, **kw):
    kw.setdefault("backoff", 0)
    return OpenAICompatible(server.openai_url, "qwen2.5-7b", **kw)


def ollama(server, **kw):
    kw.setdefault("backoff", 0)
    return Ollama(server.ollama_url, "llama3.1", **kw)


def everything(exc: BaseException) -> str:
    return str(exc) + repr(exc) + "".join(traceback.format_exception(exc))


# --------------------------------------------------------------------------- happy paths
def test_openai_sends_the_chat_request_and_reads_the_reply(serve):
    server = serve(Reply('{"colour": "blue"}', "stop", prompt_tokens=12, completion_tokens=5))
    reply = openai(server, temperature=0, max_tokens=64)(MESSAGES)

    assert reply == LLMReply('{"colour": "blue"}', "stop",
                             {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17})
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.json == {"model": "qwen2.5-7b", "messages": MESSAGES, "stream": False,
                            "temperature": 0, "max_tokens": 64}
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers  # no key, no header


def test_openai_sends_the_key_as_a_bearer_token(serve):
    server = serve(Reply("ok"))
    openai(server, api_key=KEY)(MESSAGES)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_base_url_trailing_slash_and_length_finish_reason(serve):
    server = serve(Reply('{"a": [1, 2', "length"))
    reply = OpenAICompatible(server.openai_url + "/", "m")([{"role": "user", "content": "x"}])
    assert server.requests[0].path == "/v1/chat/completions"
    assert (reply.text, reply.finish_reason) == ('{"a": [1, 2', "length")


def test_ollama_sends_native_chat_and_maps_the_reply(serve):
    server = serve(Reply('{"colour": "red"}', "length", prompt_tokens=20, completion_tokens=7))
    reply = ollama(server, temperature=0, num_ctx=4096)(MESSAGES)

    assert reply == LLMReply('{"colour": "red"}', "length",
                             {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27})
    [request] = server.requests
    assert request.path == "/api/chat"
    assert request.json == {"model": "llama3.1", "messages": MESSAGES, "stream": False,
                            "options": {"temperature": 0, "num_ctx": 4096}}
    assert "authorization" not in request.headers


def test_ollama_without_options_sends_no_options_key(serve):
    server = serve(Reply("hi"))
    assert ollama(server)(MESSAGES).text == "hi"
    assert "options" not in server.requests[0].json


def test_async_acall_for_both_protocols(serve):
    server = serve(Reply("one", prompt_tokens=3, completion_tokens=1), Status(503), Reply("two"))

    async def main():
        first = await openai(server, api_key=KEY).acall(MESSAGES)
        second = await ollama(server).acall(MESSAGES)  # 503, then retried
        return first, second

    first, second = asyncio.run(main())
    assert first == LLMReply("one", "stop", {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})
    assert second.text == "two" and second.finish_reason == "stop"
    assert [r.path for r in server.requests] == ["/v1/chat/completions", "/api/chat", "/api/chat"]
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert server.requests[1].json["stream"] is False


def test_async_failure_raises_llm_error(serve):
    server = serve(Status(500))
    with pytest.raises(LLMError) as info:
        asyncio.run(ollama(server, max_retries=1).acall(MESSAGES))
    assert info.value.attempts == 2 and info.value.status == 500
    assert len(server.requests) == 2


# --------------------------------------------------------------------------- retries
def test_500_then_ok_takes_two_attempts(serve, caplog):
    caplog.set_level(logging.DEBUG, logger="repair.llm")
    server = serve(Status(500), Reply("fine"))
    assert openai(server)(MESSAGES).text == "fine"
    assert len(server.requests) == 2
    assert server.requests[0].json == server.requests[1].json  # the same request, resent
    assert "retrying" in caplog.text and "HTTP 500" in caplog.text


@pytest.mark.parametrize("make", [openai, ollama])
def test_500_forever_gives_up_after_max_retries(serve, make):
    server = serve(Status(500, {"error": {"message": "CUDA out of memory"}}))
    with pytest.raises(LLMError) as info:
        make(server, max_retries=3)(MESSAGES)
    assert len(server.requests) == 4
    assert info.value.attempts == 4 and info.value.status == 500
    assert "HTTP 500" in str(info.value) and "CUDA out of memory" in str(info.value)
    assert "4 attempts" in str(info.value)


def test_no_retries_means_one_attempt(serve):
    server = serve(Status(502))
    with pytest.raises(LLMError) as info:
        openai(server, max_retries=0)(MESSAGES)
    assert info.value.attempts == 1 and len(server.requests) == 1


def test_backoff_is_exponential(serve, monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    server = serve(Status(500))
    with pytest.raises(LLMError):
        openai(server, max_retries=3, backoff=0.5)(MESSAGES)
    assert slept == [0.5, 1.0, 2.0]


# --------------------------------------------------------------------------- 429
@pytest.mark.parametrize("make", [openai, ollama])
def test_429_then_ok_is_retried_after_the_backoff(serve, make, monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    server = serve(Status(429), Reply("fine"))
    assert make(server, backoff=0.25)(MESSAGES).text == "fine"
    assert len(server.requests) == 2 and slept == [0.25]


def test_429_waits_as_long_as_retry_after_says(serve, monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    server = serve(Status(429, headers=(("Retry-After", "2"),)), Status(503, headers=(("Retry-After", "0.5"),)),
                   Status(429, headers=(("Retry-After", "3600"),)), Status(429, headers=(("Retry-After", "soon"),)),
                   Reply("fine"))
    assert openai(server, max_retries=4, backoff=0.1)(MESSAGES).text == "fine"
    # the server's wait; a 5xx's too; capped at MAX_RETRY_AFTER; unreadable: the backoff (0.1 * 2**3)
    assert slept == [2.0, 0.5, MAX_RETRY_AFTER, 0.8]


def test_retry_after_as_an_http_date(serve, monkeypatch):
    # dates far from now, so that no clock reading during the test can change the wait: one
    # in the future is cut to the longest wait, one in the past asks for none
    from repair.llm._protocol import MAX_RETRY_AFTER

    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    future, past = "Fri, 01 Jan 2100 00:00:00 GMT", "Thu, 01 Jan 1998 00:00:00 GMT"
    server = serve(Status(429, headers=(("Retry-After", future),)), Status(429, headers=(("Retry-After", past),)),
                   Reply("ok"))
    assert openai(server, max_retries=2)(MESSAGES).text == "ok"
    assert slept == [MAX_RETRY_AFTER, 0.0]


def test_the_final_error_keeps_the_retry_after_it_was_given(serve, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda s: None)
    server = serve(Status(429, headers=(("Retry-After", "2"),)))
    with pytest.raises(LLMError) as info:
        openai(server, max_retries=1)(MESSAGES)
    assert info.value.retry_after == 2.0 and pickle.loads(pickle.dumps(info.value)).retry_after == 2.0
    assert LLMError("x").retry_after is None


def test_429_forever_gives_up_with_advice(serve, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda s: None)
    server = serve(Status(429, {"error": {"message": "Rate limit reached for requests", "type": "requests"}}))
    with pytest.raises(LLMError) as info:
        openai(server, max_retries=2)(MESSAGES)
    assert len(server.requests) == 3 and info.value.attempts == 3 and info.value.retryable
    assert "Rate limit reached" in str(info.value) and "3 attempts" in str(info.value)
    assert "lower concurrency" in str(info.value)


def test_429_out_of_quota_is_not_retried(serve):
    server = serve(Status(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                          "code": "insufficient_quota"}}))
    with pytest.raises(LLMError) as info:
        openai(server, max_retries=3)(MESSAGES)
    assert len(server.requests) == 1 and not info.value.retryable
    assert "out of quota" in str(info.value)


def test_a_hang_past_the_timeout_is_retried_then_fails(serve):
    server = serve(Delay(60))
    with pytest.raises(LLMError) as info:
        openai(server, timeout=0.3, max_retries=1)(MESSAGES)
    # the server answers after 60 s: had the timeout not ended both attempts, the call
    # would have returned that answer instead of raising
    assert info.value.attempts == 2 and info.value.status is None
    assert len(server.requests) == 2
    message = str(info.value)
    assert "0.3 s" in message and "timeout=" in message  # what happened, and what to try


@pytest.mark.parametrize("make", [openai, ollama])
def test_a_trickling_answer_is_bounded_by_the_timeout(serve, make):
    # one byte every 0.05 s: each read is quick, the whole answer would take over 60 s and
    # then succeed; an LLMError saying "no answer within 0.3 s" shows the timeout bounds
    # the whole attempt, not each read
    server = serve(Trickle(0.05, Reply("x" * 1200)))
    llm = make(server, timeout=0.3, max_retries=1)
    with pytest.raises(LLMError) as info:
        llm(MESSAGES)
    assert len(server.requests) == 2 and info.value.attempts == 2 and info.value.retryable
    assert "no answer within 0.3 s" in str(info.value) and "timeout=" in str(info.value)

    with pytest.raises(LLMError):
        asyncio.run(make(server, timeout=0.3, max_retries=0).acall(MESSAGES))
    assert len(server.requests) == 3


def test_a_trickling_answer_within_the_timeout_is_fine(serve):
    server = serve(Trickle(0.001, Reply("slow but fine")))
    assert openai(server, timeout=5)(MESSAGES).text == "slow but fine"


def test_a_slow_answer_within_the_timeout_is_fine(serve):
    server = serve(Delay(0.1, Reply("late but fine")))
    assert ollama(server, timeout=2)(MESSAGES).text == "late but fine"


def test_a_hang_then_an_answer_is_retried(serve):
    server = serve(Delay(30), Reply("second time"))
    # (the timeout must also let the good answer through on a loaded machine: 1 s, not less)
    assert ollama(server, timeout=1)(MESSAGES).text == "second time"
    assert len(server.requests) == 2


def test_dropped_connection_is_retried(serve):
    server = serve(Drop(), Reply("after the drop"))
    assert openai(server)(MESSAGES).text == "after the drop"
    assert len(server.requests) == 2


def test_dropped_connection_forever_fails_clearly(serve):
    server = serve(Drop())
    with pytest.raises(LLMError) as info:
        ollama(server, max_retries=2)(MESSAGES)
    assert info.value.attempts == 3 and info.value.status is None
    assert "connection failed" in str(info.value) and "server's log" in str(info.value)


def test_connection_refused_says_to_check_the_server(serve):
    server = serve(Reply("x"))
    url = server.openai_url
    server.close()  # nothing listens on that port any more
    with pytest.raises(LLMError) as info:
        OpenAICompatible(url, "m", max_retries=1, backoff=0, timeout=2)(MESSAGES)
    assert info.value.attempts == 2
    assert "could not connect" in str(info.value) and "base_url" in str(info.value)


# --------------------------------------------------------------------------- no retries
def test_400_with_openai_error_body_is_not_retried(serve):
    body = {"error": {"message": "max_tokens must be at most 4096", "type": "invalid_request_error",
                      "param": "max_tokens", "code": None}}
    server = serve(Status(400, body), Reply("never sent"))
    with pytest.raises(LLMError) as info:
        openai(server, max_tokens=10**6)(MESSAGES)
    assert len(server.requests) == 1
    assert info.value.status == 400 and info.value.attempts == 1
    assert "HTTP 400" in str(info.value) and "max_tokens must be at most 4096" in str(info.value)


def test_404_from_ollama_names_the_model(serve):
    server = serve(Status(404, {"error": "model 'llama3.1' not found, try pulling it first"}))
    with pytest.raises(LLMError) as info:
        ollama(server)(MESSAGES)
    assert len(server.requests) == 1 and info.value.status == 404
    assert "model 'llama3.1' not found" in str(info.value) and "ollama pull" in str(info.value)


def test_vllm_style_error_body_is_surfaced(serve):
    server = serve(Status(400, {"object": "error", "message": "The model `x` does not exist.", "code": 404}))
    with pytest.raises(LLMError, match="The model `x` does not exist"):
        openai(server)(MESSAGES)


@pytest.mark.parametrize("body, missing", [
    ({"id": "x", "object": "chat.completion"}, "choices[0]"),
    ({"choices": []}, "choices[0]"),
    ({"choices": [{"index": 0, "finish_reason": "stop"}]}, "choices[0].message"),
    ({"choices": [{"message": {"role": "assistant"}}]}, "choices[0].message.content"),
])
def test_malformed_200_says_what_was_missing(serve, body, missing):
    server = serve(Status(200, body), Reply("never sent"))
    with pytest.raises(LLMError) as info:
        openai(server)(MESSAGES)
    assert len(server.requests) == 1 and info.value.status == 200
    assert f"no {missing} " in str(info.value)
    assert "OpenAI-compatible endpoint" in str(info.value)


def test_malformed_ollama_200_and_non_json_200(serve):
    server = serve(Status(200, {"model": "llama3.1", "done": True}), Status(200, "<html>Welcome to nginx</html>"))
    with pytest.raises(LLMError, match=r"no message \(its keys: done, model\)"):
        ollama(server)(MESSAGES)
    with pytest.raises(LLMError, match="not a JSON object.*Welcome to nginx"):
        ollama(server)(MESSAGES)


def test_null_content_is_an_empty_answer(serve):
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "length"}]}
    server = serve(Status(200, body))
    assert openai(server)(MESSAGES) == LLMReply("", "length", None)


# --------------------------------------------------------------------------- retryable or not
@pytest.mark.parametrize("step, retryable", [
    (Status(500), True),
    (Delay(2), True),
    (Drop(), True),
    (Status(429), True),  # rate limited: waiting may help
    (Status(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                            "code": "insufficient_quota"}}), False),  # out of quota: it will not
    (Status(401), False),
    (Status(404), False),
    (Status(200, {"id": "x"}), False),
    (Status(200, "<html>not json</html>"), False),
])
def test_llm_error_says_whether_asking_again_may_work(serve, step, retryable):
    server = serve(step)
    # a short timeout only where the timeout is the failure under test: elsewhere a loaded
    # machine could let it fire first and turn a refusal into a retryable timeout
    timeout = 0.2 if isinstance(step, Delay) else 30
    with pytest.raises(LLMError) as info:
        openai(server, timeout=timeout, max_retries=0)(MESSAGES)
    assert info.value.retryable is retryable
    assert pickle.loads(pickle.dumps(info.value)).retryable is retryable


def test_connection_refused_is_retryable(serve):
    server = serve(Reply("x"))
    server.close()
    with pytest.raises(LLMError) as info:
        ollama(server, max_retries=0, timeout=2)(MESSAGES)
    assert info.value.retryable


# --------------------------------------------------------------------------- the key stays secret
def test_key_never_appears_in_repr_errors_or_logs(serve, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    # a server that echoes the key in its error body (some proxies do)
    server = serve(Status(500, {"error": {"message": f"bad upstream for key {KEY}"}}),
                   Status(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    llm = openai(server, api_key=KEY, max_retries=1)

    assert KEY not in repr(llm) and KEY not in str(llm) and KEY not in repr(vars(llm))
    assert "api_key='***'" in repr(llm) and "qwen2.5-7b" in repr(llm) and server.openai_url in repr(llm)
    assert "api_key=None" in repr(openai(server))

    with pytest.raises(LLMError) as info:
        llm(MESSAGES)
    assert info.value.status == 401 and info.value.attempts == 2
    assert "Incorrect API key provided: ***" in str(info.value)
    assert "API key" in str(info.value)  # what to try next
    assert KEY not in everything(info.value)
    assert KEY not in caplog.text
    assert "bad upstream for key ***" in caplog.text  # the retry was logged, redacted
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # but it was sent



def test_a_password_in_base_url_is_sent_as_basic_auth_and_never_shown(serve, caplog):
    caplog.set_level(logging.DEBUG)  # httpx logs every request URL at INFO
    password = "pa55-Word-0123456789"
    server = serve(Status(503, {"error": f"upstream said: bad password {password}"}), Reply("ok"))
    url = server.openai_url.replace("http://", f"http://alice:{password}@")
    llm = OpenAICompatible(url, "m", backoff=0, max_retries=0)
    assert password not in repr(llm) and password not in repr(vars(llm))
    assert "alice:***@" in repr(llm) and llm.base_url == server.openai_url
    with pytest.raises(LLMError) as info:
        llm(MESSAGES)
    assert "bad password ***" in str(info.value) and password not in everything(info.value)
    assert llm(MESSAGES).text == "ok"
    import base64
    assert server.requests[0].headers["authorization"] == "Basic " + base64.b64encode(
        f"alice:{password}".encode()).decode()
    assert password not in caplog.text and "HTTP Request: POST" in caplog.text


def test_server_echo_of_a_key_shaped_text_is_masked_too(serve):
    # a gateway that echoes some other credential it was given
    server = serve(Status(400, {"error": {"message": "bad header Authorization: Bearer abcdef0123456789xyz"}}))
    with pytest.raises(LLMError) as info:
        openai(server, api_key=KEY)(MESSAGES)
    assert "Bearer ***" in str(info.value) and "abcdef0123456789xyz" not in str(info.value)


def test_key_not_in_a_timeout_error_or_pickled_config(serve, caplog, tmp_path, monkeypatch):
    caplog.set_level(logging.DEBUG)
    server = serve(Delay(2))
    llm = openai(server, api_key=KEY, timeout=0.2, max_retries=1)
    with pytest.raises(LLMError) as info:
        llm(MESSAGES)
    assert KEY not in everything(info.value) and KEY not in caplog.text
    assert pickle.loads(pickle.dumps(info.value)).attempts == 2

    monkeypatch.setenv("REPAIR_LLM_API_KEY", KEY)
    path = tmp_path / "config2.yaml"
    path.write_text(f"llm:\n  api_type: open_llm\n  base_url: {server.openai_url}\n  model: m\n")
    config = from_config(path)
    assert KEY not in repr(config) and "api_key='***'" in repr(config)


# --------------------------------------------------------------------------- from_config
def write(tmp_path, text: str):
    path = tmp_path / "config2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("REPAIR_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return monkeypatch


def test_from_config_open_llm(tmp_path, clean_env, serve):
    server = serve(Reply("from config"))
    path = write(tmp_path, f"""
llm:
  api_type: open_llm
  base_url: "{server.openai_url}"
  model: Qwen/Qwen2.5-7B-Instruct
  temperature: 0
  timeout: 30
repair_llm_output: false
max_retries: 5
""")
    config = from_config(str(path))
    assert isinstance(config, LLMConfig) and isinstance(config.llm, OpenAICompatible)
    assert (config.repair_llm_output, config.max_retries) == (False, 5)
    assert config.llm.model == "Qwen/Qwen2.5-7B-Instruct" and config.llm.timeout == 30
    assert config.llm(MESSAGES).text == "from config"
    assert server.requests[0].json["temperature"] == 0
    assert "authorization" not in server.requests[0].headers  # a local server needs no key


def test_from_config_ollama_defaults(tmp_path, clean_env, serve):
    server = serve(Reply("llama says hi"))
    config = from_config(write(tmp_path, f"llm:\n  api_type: ollama\n  base_url: {server.ollama_url}\n"
                                         "  model: llama3.1\n  max_token: 256\n"))
    assert isinstance(config.llm, Ollama)
    assert (config.repair_llm_output, config.max_retries) == (True, 3)
    assert config.llm(MESSAGES).text == "llama says hi"
    assert server.requests[0].json["options"] == {"num_predict": 256}


def test_from_config_openai_takes_the_key_from_the_environment(tmp_path, clean_env):
    clean_env.setenv("OPENAI_API_KEY", KEY)
    config = from_config(write(tmp_path, "llm:\n  api_type: openai\n  model: gpt-4o-mini\n"))
    assert isinstance(config.llm, OpenAICompatible)
    assert config.llm.base_url == "https://api.openai.com/v1"
    assert config.llm._headers()["Authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(config)

    clean_env.setenv("REPAIR_LLM_API_KEY", "sk-repair-first")  # ours is read first
    assert from_config(write(tmp_path, "llm:\n  api_type: openai\n  model: gpt-4o-mini\n")
                       ).llm._headers()["Authorization"] == "Bearer sk-repair-first"


def test_from_config_key_in_file_wins_and_open_llm_ignores_openai_key(tmp_path, clean_env):
    clean_env.setenv("OPENAI_API_KEY", "sk-not-for-local")
    local = from_config(write(tmp_path, "llm:\n  api_type: open_llm\n  base_url: http://h:8000/v1\n  model: m\n"))
    assert "Authorization" not in local.llm._headers()
    in_file = from_config(write(tmp_path, "llm:\n  api_type: open_llm\n  base_url: http://h:8000/v1\n"
                                          "  model: m\n  api_key: sk-in-file\n"))
    assert in_file.llm._headers()["Authorization"] == "Bearer sk-in-file"


def test_from_config_openai_without_any_key_is_an_error(tmp_path, clean_env):
    with pytest.raises(ValueError, match="llm.api_key.*OPENAI_API_KEY"):
        from_config(write(tmp_path, "llm:\n  api_type: openai\n  model: gpt-4o-mini\n"))


def test_repair_llm_output_under_llm_warns_and_is_honoured(tmp_path, clean_env):
    path = write(tmp_path, "llm:\n  api_type: open_llm\n  base_url: http://h:8000/v1\n  model: m\n"
                           "  repair_llm_output: false\n")
    with pytest.warns(UserWarning, match="move it to the top level") as record:
        config = from_config(path)
    assert config.repair_llm_output is False
    assert "#934" in str(record[0].message) and str(path) in str(record[0].message)


def test_top_level_repair_llm_output_wins_over_the_misplaced_one(tmp_path, clean_env):
    path = write(tmp_path, "repair_llm_output: true\nllm:\n  api_type: open_llm\n  base_url: http://h:8000/v1\n"
                           "  model: m\n  repair_llm_output: false\n")
    with pytest.warns(UserWarning, match="top-level value wins"):
        assert from_config(path).repair_llm_output is True


@pytest.mark.parametrize("text, field", [
    ("llm:\n  api_type: open_llm\n  base_url: http://h:8000/v1\n", "llm.model"),
    ("llm:\n  api_type: ollama\n  model: llama3.1\n", "llm.base_url"),
    ("llm:\n  api_type: azure\n  model: m\n", "llm.api_type"),
    ("llm:\n  api_type: open_llm\n  base_url: h:8000\n  model: m\n", "llm.base_url"),
    ("repair_llm_output: maybe\nllm:\n  api_type: open_llm\n  base_url: http://h/v1\n  model: m\n",
     "repair_llm_output"),
    ("max_retries: -1\nllm:\n  api_type: open_llm\n  base_url: http://h/v1\n  model: m\n", "max_retries"),
    ("model: m\n", "llm"),
    ("llm: [1, 2]\n", "llm"),
    ("- just a list\n", "llm"),
    ("llm: {api_type: open_llm\n", "YAML"),
])
def test_from_config_names_the_field_and_the_file(tmp_path, clean_env, text, field):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        from_config(path)
    assert field in str(info.value) and str(path) in str(info.value)


def test_invalid_api_key_type_is_not_echoed(tmp_path, clean_env):
    with pytest.raises(ValueError) as info:
        from_config(write(tmp_path, "llm:\n  api_type: open_llm\n  base_url: http://h/v1\n  model: m\n"
                                    "  api_key: 123456789\n"))
    assert "llm.api_key" in str(info.value) and "123456789" not in str(info.value)


def test_import_repair_does_not_import_httpx_or_yaml():
    import subprocess
    import sys

    code = "import sys, repair, repair.llm; print('httpx' in sys.modules, 'yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_an_openai_refusal_is_a_clear_error(serve):
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None,
                                                 "refusal": "I can't help with that."}, "finish_reason": "stop"}]}
    server = serve(Status(200, body))
    with pytest.raises(LLMError, match="refused to answer: I can't help with that") as info:
        openai(server)(MESSAGES)
    assert info.value.attempts == 1 and len(server.requests) == 1
