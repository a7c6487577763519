from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from kolabora.accounts.models import ApiToken
from kolabora.accounts.services import api_token_revoke
from kolabora.core.testing import World

pytestmark = pytest.mark.django_db


def _token(username: str) -> str:
    out = io.StringIO()
    call_command("apitoken", username, stdout=out)
    return out.getvalue().strip()


def test_apitoken_command_prints_a_working_token(world: World) -> None:
    token = _token("pengelola.jaktim")
    assert token.startswith("kol_")
    stored = ApiToken.objects.get(user__username="pengelola.jaktim")
    assert token not in (stored.token_hash, stored.prefix)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "pengelola.jaktim"
    assert body["memberships"][0]["role"] == "programme_manager"


def test_revoked_or_wrong_token_is_401_in_the_error_shape(world: World) -> None:
    token = _token("pengelola.jaktim")
    api_token_revoke(token=ApiToken.objects.get(), actor=world.user("permitted"))
    for header in (f"Bearer {token}", "Bearer kol_nonsense", "Basic abc"):
        response = Client().get("/api/v1/organisations", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        body = response.json()
        assert set(body) == {"detail", "errors"} and body["errors"] == []


def test_apitoken_for_unknown_user_fails_clearly() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("apitoken", "nobody")


def test_token_caller_is_scoped_like_a_session(world: World) -> None:
    token = _token("pengelola.jaksel")
    response = Client().get(
        f"/api/v1/organisations/{world.cipayung.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    listing = Client().get("/api/v1/organisations?limit=500", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert world.sudin_jaksel.name in {o["name"] for o in listing["results"]}
    assert world.cipayung.name not in {o["name"] for o in listing["results"]}


def test_bad_query_values_get_field_errors_not_500(world: World) -> None:
    client = world.client("permitted")
    response = client.get("/api/v1/organisations?limit=abc")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "limit"
    assert body["errors"][0]["message"]
    assert client.get("/api/v1/agreements/notanumber").status_code == 422
    assert client.get("/api/v1/agreements/999999").status_code == 404


def test_agreement_api_says_whether_it_is_in_force(world: World) -> None:
    body = world.client("permitted").get(f"/api/v1/agreements/{world.agreement.pk}").json()
    assert body["status"] == "draft" and body["in_force"] is False and body["stages"] == ["P2"]


def test_openapi_document_describes_the_api() -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for path in (
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/organisations",
        "/api/v1/agreements",
        "/api/v1/me",
    ):
        assert path in paths
    assert "bearer" in str(doc["components"]["securitySchemes"]).lower()


def test_api_docs_load_nothing_from_a_cdn() -> None:
    body = Client().get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()


def test_browser_session_reaches_the_api(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("permitted"))
    assert client.get("/api/v1/me").json()["username"] == "pengelola.jaktim"
