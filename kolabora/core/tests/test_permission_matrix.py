"""The shared permission matrix: every view and endpoint, as every persona."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kolabora.core.models import AuditEvent
from kolabora.core.testing import PERSONAS, MatrixRow, World, run_row
from kolabora.organisations.models import Agreement, Membership, Organisation


def _org_count(w: World) -> int:
    return Organisation.objects.count()


def _agreement_state(w: World) -> tuple[str, str, int]:
    a = Agreement.objects.get(pk=w.agreement.pk)
    return a.status, a.title, Agreement.objects.count()


def _membership_state(w: World) -> list[tuple[int, bool]]:
    return list(Membership.objects.order_by("pk").values_list("pk", "is_active"))


def _cipayung_state(w: World) -> tuple[str, str]:
    o = Organisation.objects.get(pk=w.cipayung.pk)
    return o.name, o.email


def _org_data(w: World) -> dict[str, object]:
    return {
        "name": "Sekretariat Baru",
        "type": "kecamatan_secretariat",
        "region": "31.75.10",
        "is_active": "on",
    }


def _agreement_data(w: World) -> dict[str, object]:
    return {
        "number": "PKS/UJI/777",
        "title": "Baru",
        "lead": w.dinas.pk,
        "partner": w.partner.pk,
        "stages": ["P2"],
        "region": "31.75",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }


ROWS = [
    MatrixRow("core:home", lambda w: reverse("core:home"), public=True),
    MatrixRow("core:healthz", lambda w: reverse("core:healthz"), public=True),
    MatrixRow(
        "organisations:list", lambda w: reverse("organisations:list"), marker=lambda w: w.cipayung.name
    ),
    MatrixRow("organisations:detail", lambda w: reverse("organisations:detail", args=[w.cipayung.pk])),
    MatrixRow("organisations:create", lambda w: reverse("organisations:create"), out_of_region_status=200),
    MatrixRow(
        "organisations:create",
        lambda w: reverse("organisations:create"),
        method="post",
        data=_org_data,
        allowed=302,
        effect=_org_count,
        out_of_region_status=200,
    ),
    MatrixRow("organisations:edit", lambda w: reverse("organisations:edit", args=[w.cipayung.pk])),
    MatrixRow(
        "organisations:edit",
        lambda w: reverse("organisations:edit", args=[w.cipayung.pk]),
        method="post",
        data=lambda w: {
            "name": "Nama Diubah",
            "type": "kecamatan_secretariat",
            "region": "31.75.10",
            "email": "baru@example.test",
            "is_active": "on",
        },
        allowed=302,
        effect=_cipayung_state,
    ),
    MatrixRow(
        "organisations:membership_add",
        lambda w: reverse("organisations:membership_add", args=[w.cipayung.pk]),
        method="post",
        data=lambda w: {"username": "bank.lain", "role": "kecamatan_staff"},
        allowed=302,
        effect=_membership_state,
    ),
    MatrixRow(
        "organisations:membership_end",
        lambda w: reverse(
            "organisations:membership_end",
            args=[w.sudin_jaktim.pk, Membership.objects.get(user__username="pengelola.jaktim").pk],
        ),
        method="post",
        allowed=302,
        effect=_membership_state,
    ),
    MatrixRow(
        "organisations:agreement_list",
        lambda w: reverse("organisations:agreement_list"),
        marker=lambda w: w.agreement.number,
    ),
    MatrixRow(
        "organisations:agreement_detail",
        lambda w: reverse("organisations:agreement_detail", args=[w.agreement.pk]),
    ),
    MatrixRow(
        "organisations:agreement_document",
        lambda w: reverse("organisations:agreement_document", args=[w.agreement.pk]),
    ),
    MatrixRow(
        "organisations:agreement_create",
        lambda w: reverse("organisations:agreement_create"),
        out_of_region_status=200,
    ),
    MatrixRow(
        "organisations:agreement_create",
        lambda w: reverse("organisations:agreement_create"),
        method="post",
        data=_agreement_data,
        allowed=302,
        effect=_agreement_state,
        out_of_region_status=200,
    ),
    MatrixRow(
        "organisations:agreement_edit",
        lambda w: reverse("organisations:agreement_edit", args=[w.agreement.pk]),
    ),
    MatrixRow(
        "organisations:agreement_edit",
        lambda w: reverse("organisations:agreement_edit", args=[w.agreement.pk]),
        method="post",
        data=lambda w: {**_agreement_data(w), "number": w.agreement.number, "title": "Judul Diubah"},
        allowed=302,
        effect=_agreement_state,
    ),
    MatrixRow(
        "organisations:agreement_activate",
        lambda w: reverse("organisations:agreement_activate", args=[w.agreement.pk]),
        method="post",
        allowed=302,
        effect=_agreement_state,
    ),
    MatrixRow(
        "organisations:agreement_terminate",
        lambda w: reverse("organisations:agreement_terminate", args=[w.agreement.pk]),
        method="post",
        data=lambda w: {"reason": "Mitra tidak aktif"},
        allowed=302,
        effect=_agreement_state,
    ),
    # API
    MatrixRow("api:list_regions", lambda w: reverse("api:list_regions") + "?parent=31.75", public=True),
    MatrixRow("api:get_region", lambda w: reverse("api:get_region", args=["31.75.10"]), public=True),
    MatrixRow("api:openapi-json", lambda w: reverse("api:openapi-json"), public=True),
    MatrixRow("api:openapi-view", lambda w: reverse("api:openapi-view"), public=True),
    MatrixRow(
        "api:list_organisations",
        lambda w: reverse("api:list_organisations"),
        api=True,
        marker=lambda w: w.cipayung.name,
    ),
    MatrixRow(
        "api:get_organisation", lambda w: reverse("api:get_organisation", args=[w.cipayung.pk]), api=True
    ),
    MatrixRow(
        "api:list_agreements",
        lambda w: reverse("api:list_agreements"),
        api=True,
        marker=lambda w: w.agreement.number,
    ),
    MatrixRow("api:get_agreement", lambda w: reverse("api:get_agreement", args=[w.agreement.pk]), api=True),
]


def _discover_rows() -> list[MatrixRow]:
    """Rows declared by other apps in ``kolabora/<app>/tests/matrix*.py`` (a ``ROWS`` list each)."""
    import importlib
    from pathlib import Path

    found: list[MatrixRow] = []
    base = Path(__file__).resolve().parents[2]
    for path in sorted(base.glob("*/tests/matrix*.py")):
        module = importlib.import_module(f"kolabora.{path.parent.parent.name}.tests.{path.stem}")
        found.extend(module.ROWS)
    return found


ROWS = ROWS + _discover_rows()

# Views every logged-in person may use for their own account; anonymous users are sent to log in.
SELF_SERVICE = {"accounts:password_change", "accounts:password_change_done", "api:me", "accounts:logout"}
# Views for anonymous visitors by design.
PUBLIC = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "set_language",
    "api:api-root",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.name}:{r.method}" for r in ROWS])
def test_matrix(row: MatrixRow, persona: str, world: World) -> None:
    run_row(row, world, persona)


@pytest.mark.parametrize("name", sorted(SELF_SERVICE - {"accounts:logout"}))
def test_self_service_needs_login_only(name: str, world: World) -> None:
    url = reverse(name)
    anonymous = world.client("anonymous").get(url)
    assert anonymous.status_code in (302, 401)
    for persona in ("other_org", "out_of_region", "no_consent", "permitted"):
        assert world.client(persona).get(url).status_code == 200


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            if p.app_name == "admin":
                continue
            found |= _names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            found.add(prefix + p.name)
    return found


def test_every_view_is_in_the_matrix() -> None:
    covered = {r.name for r in ROWS} | SELF_SERVICE | PUBLIC
    missing = sorted(_names(get_resolver()) - covered)
    assert not missing, f"Views without a permission-matrix row: {missing}"


def test_denied_attempts_write_no_audit(world: World) -> None:
    clients = [world.client(p) for p in ("other_org", "out_of_region", "no_consent")]  # logging in is audited
    before = AuditEvent.objects.count()
    for client in clients:
        client.post(reverse("organisations:agreement_activate", args=[world.agreement.pk]))
    assert AuditEvent.objects.count() == before
