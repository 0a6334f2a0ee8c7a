"""Drives the whole workflow through the Python client that openapi-python-client generated
from openapi/openapi.json: a team and a project, signing with a contract, a partial edit
(PATCH) of the project, two payments and the correction of one, production start, the KPIs,
a ledger import, the ledger and report downloads, the monthly bulletin (a Word document).

Usage: workflow.py CLIENT_DIR BASE_URL TOKEN LEDGER_XLSX LEDGER_TRUTH_JSON
(CLIENT_DIR holds the generated package `zhaoshang_client`; tests/clients/run does all this.)
"""

import datetime
import io
import json
import sys
import uuid
from decimal import Decimal
from http import HTTPStatus

client_dir, base_url, token, ledger_path, truth_path = sys.argv[1:6]
sys.path.insert(0, client_dir)

from zhaoshang_client import AuthenticatedClient  # noqa: E402
from zhaoshang_client.api.bulletins import export_bulletin  # noqa: E402
from zhaoshang_client.api.exports import export_kpi_report, export_ledger  # noqa: E402
from zhaoshang_client.api.imports import import_ledger  # noqa: E402
from zhaoshang_client.api.kpis import get_kpis  # noqa: E402
from zhaoshang_client.api.lifecycle import get_contract, transition_project  # noqa: E402
from zhaoshang_client.api.projects import create_project, get_project, list_projects, patch_project  # noqa: E402
from zhaoshang_client.api.records import create_funding, list_fundings, patch_funding  # noqa: E402
from zhaoshang_client.api.reference import create_team  # noqa: E402
from zhaoshang_client.models import (  # noqa: E402
    AgreementType,
    BulletinKind,
    ContractInput,
    FundingInput,
    FundingKind,
    FundingPatch,
    ImportLedgerBody,
    ImportStatus,
    ProjectCreate,
    ProjectPatch,
    Stage,
    TeamInput,
    TransitionRequest,
)
from zhaoshang_client.types import File  # noqa: E402


def ok(response):
    """The parsed body of a 200 answer; anything else stops the run with the server's words."""
    if response.status_code != HTTPStatus.OK:
        raise AssertionError(f"HTTP {int(response.status_code)}: {response.content.decode(errors='replace')}")
    return response.parsed


def workbook(response, what):
    """Checks that a download is an xlsx workbook (or a docx document) of some substance: a zip
    of at least 4 KiB."""
    data = ok(response).payload.read()
    assert data[:4] == b"PK\x03\x04", f"the {what} is not a zip (xlsx) file: {data[:16]!r}"
    assert len(data) > 4096, f"the {what} is only {len(data)} bytes"
    return len(data)


client = AuthenticatedClient(base_url=base_url, token=token, timeout=60.0, raise_on_unexpected_status=True)
# The server's calendar is China time, ahead of UTC: a UTC date is never in its future.
today = datetime.datetime.now(datetime.timezone.utc).date()
day = lambda days_ago: today - datetime.timedelta(days=days_ago)  # noqa: E731

with client as c:
    team = ok(create_team.sync_detailed(client=c, body=TeamInput(name=f"客户端联调专班-{uuid.uuid4().hex[:8]}")))
    project = ok(
        create_project.sync_detailed(
            client=c,
            body=ProjectCreate(
                name="智能电梯导轨生产线项目",
                team_id=team.id,
                lead_on=day(60),
                planned_investment="1200.5",
            ),
        )
    )
    assert project.stage == Stage.LEAD and project.team.id == team.id
    assert project.planned_investment == "1200.5000", project.planned_investment

    moved = ok(
        transition_project.sync_detailed(
            project.id, client=c, body=TransitionRequest(stage=Stage.NEGOTIATING, date=day(50))
        )
    )
    assert moved.project.stage == Stage.NEGOTIATING
    signed = ok(
        transition_project.sync_detailed(
            project.id,
            client=c,
            body=TransitionRequest(
                stage=Stage.SIGNED,
                contract=ContractInput(
                    agreement_type=AgreementType.FORMAL,
                    signed_on=day(40),
                    contracted_investment="1000",
                    promised_production_on=day(5),
                ),
                version=moved.project.version,
            ),
        )
    )
    assert signed.project.stage == Stage.SIGNED
    assert signed.history_entry.from_stage == Stage.NEGOTIATING and signed.history_entry.effective_on == day(40)
    contract = ok(get_contract.sync_detailed(project.id, client=c))
    assert contract.contracted_investment == "1000.0000" and contract.signed_on == day(40)

    # A partial edit: the progress changes, everything else stays as it was.
    edited = ok(
        patch_project.sync_detailed(
            project.id, client=c, body=ProjectPatch(progress="已签约，设备采购中", version=signed.project.version)
        )
    )
    assert edited.progress == "已签约，设备采购中" and edited.version == signed.project.version + 1
    assert edited.planned_investment == "1200.5000" and edited.team.id == team.id and edited.stage == Stage.SIGNED

    # Two payments, the second typed wrong and then corrected.
    payments = []
    for arrived_on, amount in [(day(30), "300"), (day(20), "2002.5")]:
        funding = ok(
            create_funding.sync_detailed(
                project.id,
                client=c,
                body=FundingInput(arrived_on=arrived_on, amount=amount, kind=FundingKind.FIXED_ASSET),
            )
        )
        assert funding.counted is True and funding.project_id == project.id
        payments.append(funding)
    corrected = ok(
        patch_funding.sync_detailed(
            project.id, payments[1].id, client=c, body=FundingPatch(amount="200.25", note="金额录入有误，已更正")
        )
    )
    assert corrected.amount == "200.2500" and corrected.arrived_on == day(20) and corrected.counted is True
    assert len(ok(list_fundings.sync_detailed(project.id, client=c))) == 2

    for stage, days_ago in [(Stage.STARTED, 15), (Stage.PRODUCING, 10)]:
        moved = ok(
            transition_project.sync_detailed(project.id, client=c, body=TransitionRequest(stage=stage, date=day(days_ago)))
        )
        assert moved.project.stage == stage
    producing = ok(get_project.sync_detailed(project.id, client=c))
    assert producing.stage == Stage.PRODUCING and producing.stage_dates.producing_on == day(10)
    assert producing.funds_counted == "500.2500", producing.funds_counted

    # The team's KPIs over the last 90 days: exactly this project.
    kpis = ok(get_kpis.sync_detailed(client=c, from_=day(90), to=today, team_id=team.id)).overall
    assert (kpis.sign_rate.numerator, kpis.sign_rate.denominator) == (1, 1), kpis.sign_rate
    funds = kpis.funds_arrival_rate
    assert (funds.numerator, funds.denominator) == ("500.2500", "1000.0000"), funds
    assert abs(funds.rate - 0.50025) < 1e-9, funds.rate
    for rate in (kpis.production_rate, kpis.production_effectiveness_rate):
        assert (rate.numerator, rate.denominator, rate.rate) == (1, 1, 1.0), rate

    # A ledger import through the multipart upload.
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    before = ok(list_projects.sync_detailed(client=c, per_page=1)).total
    with open(ledger_path, "rb") as f:
        ledger = f.read()
    report = ok(
        import_ledger.sync_detailed(
            client=c,
            body=ImportLedgerBody(
                file=File(
                    payload=io.BytesIO(ledger),
                    file_name="ledger_sample.xlsx",
                    mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            ),
        )
    )
    assert report.status == ImportStatus.IMPORTED, report.message
    assert report.created == len(truth["projects"]) and not report.errors, (report.created, report.errors)
    assert ok(list_projects.sync_detailed(client=c, per_page=1)).total == before + report.created
    first = truth["projects"][0]
    found = ok(list_projects.sync_detailed(client=c, q=first["code"])).items
    assert len(found) == 1 and Decimal(found[0].contract.contracted_investment) == Decimal(first["contracted_investment"])

    ledger_bytes = workbook(export_ledger.sync_detailed(client=c), "ledger")
    report_bytes = workbook(
        export_kpi_report.sync_detailed(client=c, from_=today.replace(month=1, day=1), to=today), "report"
    )
    bulletin_bytes = workbook(export_bulletin.sync_detailed(BulletinKind.MONTHLY, client=c), "monthly bulletin")

print(
    f"python client: project {project.id} signed, paid 500.25 万元 of 1000, producing; KPIs match; "
    f"{report.created} projects imported; ledger {ledger_bytes} bytes, report {report_bytes} bytes, "
    f"bulletin {bulletin_bytes} bytes"
)
