"""docs/openapi.yaml against the receiver: the file is a valid OpenAPI 3.1 document, every status
and error code it documents is one the receiver really gives (and the other way round), each real
answer fits the file's schemas, and schemathesis's generated requests, however malformed, get no
500 and only answers the file describes."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
import yaml
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (content_type_conformance, ignored_auth, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance,
                                               unsupported_method)

from kiosk.survey import default_survey_path
from sync.wire.protocol import IDEMPOTENCY_KEY
from provider.app import SMALL_BODY_BYTES, make_app
from provider.config import ReceiverConfig, sqlite_url
from provider.database import PostgresDatabase
from provider.publishing import publish
from provider.store import Store, open_store
from tests.receiver_support import (KIOSK, add_kiosk, batch_body, batch_headers, public_key,  # noqa: F401
                                    receiver_config, receiver_secrets, sealed, visit)

OPENAPI = Path(__file__).parent.parent / "docs" / "openapi.yaml"
DOCUMENT_URI = "urn:feedback-kiosk:openapi"
UNREACHABLE_DATABASE = "postgresql://nobody@/nothing?host=/nonexistent&connect_timeout=1"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def test_the_file_is_a_valid_openapi_3_1_document(document):
    validate_openapi(document)
    assert document["openapi"].startswith("3.1.")


# -- what the file documents ----------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    responses: dict[str, dict]  # status -> the response object, its $ref followed
    pointers: dict[str, str]  # status -> the JSON pointer of that response object


def operations(document: dict) -> dict[str, Operation]:
    """The file's operations by operationId."""
    found = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            responses, pointers = {}, {}
            for status, response in item[method]["responses"].items():
                pointer = f"#/paths/{_escape(path)}/{method}/responses/{status}"
                if "$ref" in response:
                    pointer = response["$ref"]
                    response = _follow(document, pointer)
                responses[status], pointers[status] = response, pointer
            found[item[method]["operationId"]] = Operation(responses, pointers)
    return found


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _follow(document: dict, pointer: str) -> Any:
    node: Any = document
    for token in pointer.removeprefix("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def documented_error_codes(response: dict) -> set[str | None]:
    """The `error` codes a refusal's schema allows ({None} for an answer that is not a refusal)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    for part in schema.get("allOf", []):
        error = part.get("properties", {}).get("error", {})
        if error:
            return set(error.get("enum") or [error["const"]])
    return {None}


def documented_answers(document: dict) -> set[tuple[str, int, str | None]]:
    return {(operation_id, int(status), code)
            for operation_id, operation in operations(document).items()
            for status, response in operation.responses.items()
            for code in documented_error_codes(response)}


# -- checking an answer against the file ----------------------------------------------------


def assert_conforms(document: dict, operation_id: str, answer: httpx.Response) -> None:
    """The answer's status, headers and body are what the file says for this operation."""
    operation = operations(document)[operation_id]
    status = str(answer.status_code)
    assert status in operation.responses, f"{operation_id} answered {status}, which the file does not document"
    response = operation.responses[status]
    for name, header in response.get("headers", {}).items():
        header = _follow(document, header["$ref"]) if "$ref" in header else header
        if header.get("required"):
            assert name in answer.headers, f"{operation_id} {status} lacks the {name} header"
        if name in answer.headers:
            value = answer.headers[name]
            _validator(document, header["schema"]).validate(int(value) if value.isdigit() else value)
    if "content" not in response:
        assert answer.content == b"", f"{operation_id} {status} should have no body"
        return
    assert answer.headers["content-type"].split(";")[0] == "application/json"
    pointer = f"{operation.pointers[status]}/content/application~1json/schema"
    _validator(document, {"$ref": DOCUMENT_URI + pointer}).validate(answer.json())


def _validator(document: dict, schema: dict) -> jsonschema.Validator:
    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, DRAFT202012))
    return jsonschema.Draft202012Validator({"$id": DOCUMENT_URI + "-check", **schema}, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def error_code(answer: httpx.Response) -> str | None:
    if answer.status_code in (200, 304):
        return None
    return answer.json()["error"]


# -- the receiver, driven to each answer ----------------------------------------------------


JSON = {"Content-Type": "application/json"}
PLAIN_TEXT = {"Content-Type": "text/plain"}


@dataclass
class Kit:
    """A receiver on a store of its own, with one kiosk registered and a bundle published."""

    config: ReceiverConfig
    store: Store
    token: str

    def client(self, *, store: Store | None = None, **config_changes: Any) -> httpx.AsyncClient:
        app = make_app(replace(self.config, **config_changes), store or self.store)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://receiver")

    def unreachable(self) -> httpx.AsyncClient:
        return self.client(store=Store(PostgresDatabase(UNREACHABLE_DATABASE)))

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def batch(self, envelopes: list[dict] | None = None, **changes: Any) -> tuple[dict, dict[str, str]]:
        body = batch_body(sealed(visit(), public_key(self.config)) if envelopes is None else envelopes) | changes
        return body, batch_headers(body, self.token)


@pytest.fixture
def kit(receiver_config) -> Iterator[Kit]:
    store = open_store(receiver_config.database)
    token = add_kiosk(store)
    publish(store, survey_file=default_survey_path(), announcements_file=None, keys_dir=receiver_config.keys_dir,
            signing_key_file=receiver_config.signing_key)
    yield Kit(receiver_config, store, token)
    store.close()


Scenario = Callable[[Kit], Awaitable[httpx.Response]]
SCENARIOS: dict[tuple[str, int, str | None], Scenario] = {}


def scenario(operation_id: str, status: int, error: str | None = None) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[operation_id, status, error] = function
        return function

    return register


async def ask(kit: Kit, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with kit.client() as client:
        return await client.request(method, path, **kwargs)


async def revoked(kit: Kit, method: str, path: str, **kwargs: Any) -> httpx.Response:
    assert kit.store.revoke_kiosk(KIOSK, datetime.now(timezone.utc))
    return await ask(kit, method, path, **kwargs)


async def over_the_rate(kit: Kit, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with kit.client(requests_per_minute=1) as client:
        await client.post("/v1/heartbeat", json={"kiosk": KIOSK}, headers=kit.auth)
        return await client.request(method, path, **kwargs)


async def unavailable(kit: Kit, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with kit.unreachable() as client:
        return await client.request(method, path, **kwargs)


# uploadBatch


@scenario("uploadBatch", 200)
async def _(kit: Kit) -> httpx.Response:
    envelope, other = sealed(visit() + visit(2, "waiting"), public_key(kit.config))
    async with kit.client() as client:
        body, headers = kit.batch([envelope])
        await client.post("/v1/batches", json=body, headers=headers)
        body, headers = kit.batch([envelope, other, other, {"id": 5}, "not an envelope"])
        answer = await client.post("/v1/batches", json=body, headers=headers)
    assert [result["status"] for result in answer.json()["results"]] == [
        "duplicate", "stored", "duplicate", "rejected", "rejected"]
    assert [result["id"] for result in answer.json()["results"]][3:] == [None, None]
    return answer


@scenario("uploadBatch", 400, "malformed-json")
async def _(kit: Kit) -> httpx.Response:
    headers = kit.auth | JSON | {IDEMPOTENCY_KEY: f'"{uuid.uuid4()}"'}
    return await ask(kit, "POST", "/v1/batches", content=b"{not json", headers=headers)


@scenario("uploadBatch", 400, "malformed-batch")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch(batch="not-a-uuid")
    return await ask(kit, "POST", "/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 400, "idempotency-key")
async def _(kit: Kit) -> httpx.Response:
    body, _ = kit.batch()
    return await ask(kit, "POST", "/v1/batches", json=body, headers=kit.auth)


@scenario("uploadBatch", 401, "unauthorized")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    return await ask(kit, "POST", "/v1/batches", json=body, headers=headers | {"Authorization": "Bearer not-a-token"})


@scenario("uploadBatch", 403, "revoked")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    return await revoked(kit, "POST", "/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 403, "kiosk-mismatch")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch(kiosk="lobby-2")
    return await ask(kit, "POST", "/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 409, "batch-in-flight")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    content = json.dumps(body).encode()
    kit.store.claim_batch(KIOSK, body["batch"], hashlib.sha256(content).hexdigest(), datetime.now(timezone.utc))
    return await ask(kit, "POST", "/v1/batches", content=content, headers=headers | JSON)


@scenario("uploadBatch", 413, "too-large")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch(sealed(visit() + visit(), public_key(kit.config)))
    async with kit.client(max_body_bytes=1024) as client:
        return await client.post("/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 413, "too-many-envelopes")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch(sealed(visit() + visit(), public_key(kit.config)))
    async with kit.client(max_batch=1) as client:
        return await client.post("/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 422, "batch-reused")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    async with kit.client() as client:
        await client.post("/v1/batches", json=body, headers=headers)
        other = body | {"envelopes": sealed(visit(1, "waiting"), public_key(kit.config))}
        return await client.post("/v1/batches", json=other, headers=headers)


@scenario("uploadBatch", 429, "too-many-requests")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    return await over_the_rate(kit, "POST", "/v1/batches", json=body, headers=headers)


@scenario("uploadBatch", 503, "database-unavailable")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    return await unavailable(kit, "POST", "/v1/batches", json=body, headers=headers)


# heartbeat

HEARTBEAT = {"kiosk": KIOSK, "sent_at": "2026-11-23T14:05:10Z", "clock": "synced", "software": "0.1.0",
             "survey": {"id": "visit-feedback", "version": 1}, "bundle_version": 1, "queue_depth": 12,
             "oldest_unsent_age_seconds": 340, "quarantined": 0, "unsaved_in_memory": 0, "last_error": None,
             "disk_free_bytes": 11811160064}


@scenario("heartbeat", 200)
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", json=HEARTBEAT, headers=kit.auth)


@scenario("heartbeat", 400, "malformed-json")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", content=b"\xff", headers=kit.auth | JSON)


@scenario("heartbeat", 400, "malformed-body")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", json={"queue_depth": 1}, headers=kit.auth)


@scenario("heartbeat", 401, "unauthorized")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", json=HEARTBEAT)


@scenario("heartbeat", 403, "revoked")
async def _(kit: Kit) -> httpx.Response:
    return await revoked(kit, "POST", "/v1/heartbeat", json=HEARTBEAT, headers=kit.auth)


@scenario("heartbeat", 403, "kiosk-mismatch")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", json=HEARTBEAT | {"kiosk": "lobby-2"}, headers=kit.auth)


@scenario("heartbeat", 413, "too-large")
async def _(kit: Kit) -> httpx.Response:
    too_long = HEARTBEAT | {"last_error": "x" * SMALL_BODY_BYTES}
    return await ask(kit, "POST", "/v1/heartbeat", json=too_long, headers=kit.auth)


@scenario("heartbeat", 429, "too-many-requests")
async def _(kit: Kit) -> httpx.Response:
    return await over_the_rate(kit, "POST", "/v1/heartbeat", json=HEARTBEAT, headers=kit.auth)


@scenario("heartbeat", 503, "database-unavailable")
async def _(kit: Kit) -> httpx.Response:
    return await unavailable(kit, "POST", "/v1/heartbeat", json=HEARTBEAT, headers=kit.auth)


# getBundle


@scenario("getBundle", 200)
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "GET", "/v1/bundle", headers=kit.auth | {"If-None-Match": '"0"'})


@scenario("getBundle", 304)
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "GET", "/v1/bundle", headers=kit.auth | {"If-None-Match": '"1"'})


@scenario("getBundle", 401, "unauthorized")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "GET", "/v1/bundle")


@scenario("getBundle", 403, "revoked")
async def _(kit: Kit) -> httpx.Response:
    return await revoked(kit, "GET", "/v1/bundle", headers=kit.auth)


@scenario("getBundle", 404, "no-bundle")
async def _(kit: Kit) -> httpx.Response:
    empty = open_store(sqlite_url(kit.config.data_dir / "empty.db"))
    token = add_kiosk(empty)
    try:
        async with kit.client(store=empty) as client:
            return await client.get("/v1/bundle", headers={"Authorization": f"Bearer {token}"})
    finally:
        empty.close()


@scenario("getBundle", 429, "too-many-requests")
async def _(kit: Kit) -> httpx.Response:
    return await over_the_rate(kit, "GET", "/v1/bundle", headers=kit.auth)


@scenario("getBundle", 503, "database-unavailable")
async def _(kit: Kit) -> httpx.Response:
    return await unavailable(kit, "GET", "/v1/bundle", headers=kit.auth)


# enrol


@scenario("enrol", 200)
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", json={"software": "0.1.0"}, headers=kit.auth)


@scenario("enrol", 400, "malformed-json")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", content=b"{", headers=kit.auth | JSON)


@scenario("uploadBatch", 415, "unsupported-media-type")
async def _(kit: Kit) -> httpx.Response:
    body, headers = kit.batch()
    return await ask(kit, "POST", "/v1/batches", content=json.dumps(body).encode(), headers=headers | PLAIN_TEXT)


@scenario("heartbeat", 415, "unsupported-media-type")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/heartbeat", content=json.dumps(HEARTBEAT).encode(), headers=kit.auth | PLAIN_TEXT)


@scenario("enrol", 415, "unsupported-media-type")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", content=b'{"software": "0.1.0"}', headers=kit.auth | PLAIN_TEXT)


@scenario("enrol", 400, "malformed-body")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", json=["software"], headers=kit.auth)


@scenario("enrol", 401, "unauthorized")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol")


@scenario("enrol", 403, "revoked")
async def _(kit: Kit) -> httpx.Response:
    return await revoked(kit, "POST", "/v1/enrol", headers=kit.auth)


@scenario("enrol", 403, "kiosk-mismatch")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", json={"kiosk": "lobby-2"}, headers=kit.auth)


@scenario("enrol", 413, "too-large")
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "POST", "/v1/enrol", json={"software": "x" * SMALL_BODY_BYTES}, headers=kit.auth)


@scenario("enrol", 429, "too-many-requests")
async def _(kit: Kit) -> httpx.Response:
    return await over_the_rate(kit, "POST", "/v1/enrol", headers=kit.auth)


@scenario("enrol", 503, "database-unavailable")
async def _(kit: Kit) -> httpx.Response:
    return await unavailable(kit, "POST", "/v1/enrol", headers=kit.auth)


# health


@scenario("health", 200)
async def _(kit: Kit) -> httpx.Response:
    return await ask(kit, "GET", "/v1/health")


@scenario("health", 503, "database-unavailable")
async def _(kit: Kit) -> httpx.Response:
    return await unavailable(kit, "GET", "/v1/health")


def test_every_documented_answer_has_a_scenario_and_no_other(document):
    assert set(SCENARIOS) == documented_answers(document)


@pytest.mark.parametrize("answer", sorted(SCENARIOS, key=str), ids=lambda key: "-".join(map(str, key)))
async def test_the_receivers_answer_is_the_documented_one(document, kit, answer):
    operation_id, status, error = answer
    response = await SCENARIOS[answer](kit)
    assert (response.status_code, error_code(response)) == (status, error), response.text
    assert_conforms(document, operation_id, response)


async def test_an_enrolment_that_promises_no_reply_is_the_documented_one(document, kit):
    async with kit.client(reply_answerer=None) as client:
        answer = await client.post("/v1/enrol", headers=kit.auth)
    assert answer.json()["reply"] is None
    assert_conforms(document, "enrol", answer)


# -- schemathesis: generated requests, however malformed ------------------------------------

# Few enough that the whole run stays well under half a minute on a small machine.
EXAMPLES_PER_OPERATION = 150


@dataclass(frozen=True)
class FuzzedReceiver:
    app: Any
    token: str
    kid: str  # of the key kiosks seal to


@pytest.fixture(scope="module")
def fuzzed_receiver(tmp_path_factory, receiver_secrets) -> Iterator[FuzzedReceiver]:
    """The receiver app with a kiosk and a bundle; no rate limit in the way."""
    folder = tmp_path_factory.mktemp("fuzzed-receiver")
    config = ReceiverConfig(host="127.0.0.1", port=8443, database=sqlite_url(folder / "receiver.db"),
                            keys_dir=receiver_secrets[0], signing_key=receiver_secrets[1], data_dir=folder,
                            requests_per_minute=100_000)
    store = open_store(config.database)
    token = add_kiosk(store)
    publish(store, survey_file=default_survey_path(), announcements_file=None, keys_dir=config.keys_dir,
            signing_key_file=config.signing_key)
    yield FuzzedReceiver(make_app(config, store), token, public_key(config).kid)
    store.close()


@pytest.fixture
def api_schema(fuzzed_receiver):
    config = SchemathesisConfig.from_dict({
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                       "database": "none"}})
    schema = schemathesis.openapi.from_path(OPENAPI, config=config)
    schema.app = fuzzed_receiver.app
    return schema


fuzzed = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, unsupported_method, ignored_auth]


def past_the_first_refusals(case, kid: str) -> None:
    """Random texts never name this kiosk, nor its key, nor the body's batch in Idempotency-Key:
    where the body has them as texts, make them right, so that generated envelopes get as far
    as the receiver's opening of each (fields of the wrong type stay, to be refused)."""
    body = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("kiosk"), str):
        body["kiosk"] = KIOSK
    batch = body.get("batch")
    if isinstance(batch, str) and batch.isascii() and batch.isprintable() and IDEMPOTENCY_KEY in (case.headers or {}):
        case.headers[IDEMPOTENCY_KEY] = f'"{batch}"'
    for envelope in body.get("envelopes") if isinstance(body.get("envelopes"), list) else []:
        if isinstance(envelope, dict):
            envelope.update({name: value for name, value in (("kiosk", KIOSK), ("kid", kid))
                             if isinstance(envelope.get(name), str)})


@fuzzed.parametrize()
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, fuzzed_receiver):
    past_the_first_refusals(case, fuzzed_receiver.kid)
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzzed_receiver.token}"}, checks=CHECKS)
