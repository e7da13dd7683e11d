"""Funding plans and stress runs as background jobs over ``/v1``: a job is stored with its
key and an audit event, runs in the background, and its stored result is what the CLI's
``--out`` JSON says (money as decimal strings); bad input names each field in Thai and
English and stores nothing; a replay is one job; a job of another network is a 404; a
process that dies in the middle of a plan leaves a job that start-up marks interrupted and
that a retry runs to the same result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbseed import COORDINATOR, seed_combined
from http_fixtures import PROBLEM, api, make_api  # noqa: F401
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.tables import AuditEventRow
from api.db.tables_http import IdempotencyKeyRow
from api.db.tables_jobs import AnalysisJobRow
from api.http.routers.jobs import money_strings
from api.services.scenario_files import SCENARIO_DIR
from scenarios.funding.report import funding_dict
from scenarios.funding.run import plan_funding
from scenarios.funding.sampling import SampleCache
from scenarios.sim.loader import load_scenario
from scenarios.sim.montecarlo import Executor, with_days

FUNDING = {"scenario": "lamphun-2555.yaml", "runs": 2, "days": 4, "check_runs": 1, "seed": 3}
JOBS = "/v1/networks/LPN/jobs"


def finished(api: Any, job: dict[str, Any], who: str = COORDINATOR) -> dict[str, Any]:  # noqa: F811
    assert api.app.state.ctx.jobs.wait_idle(120)
    r = api.get(who, f"/v1/networks/{job['network_id']}/jobs/{job['id']}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _count(engine: Any, table: Any) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def test_funding_job_stores_the_cli_result_and_its_chart(api) -> None:  # noqa: F811
    r = api.post(COORDINATOR, f"{JOBS}/funding", FUNDING)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "funding" and job["result"] is None
    assert job["params"]["target_bps"] == 9500  # the default, stored with the request
    done = finished(api, job)
    assert done["status"] == "done", done
    assert done["progress"]["phase"] in ("sample", "check")
    scenario = with_days(load_scenario(SCENARIO_DIR / "lamphun-2555.yaml"), 4)
    report = plan_funding(scenario, 9500, 2, 3, check_runs=1, executor=Executor.SERIAL)
    expected = money_strings(funding_dict(report))
    assert {k: done["result"][k] for k in expected} == json.loads(json.dumps(expected))
    assert isinstance(done["result"]["cost"], str)  # money as a decimal string
    png = api.get(COORDINATOR, done["chart_url"])
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    with Session(api.engine) as s:
        actions = [
            e.action
            for e in s.execute(
                select(AuditEventRow).where(AuditEventRow.entity == "analysis_job")
            ).scalars()
        ]
    assert actions == ["job.created", "job.started", "job.done"]
    listed = api.get(COORDINATOR, JOBS).json()["items"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_the_same_request_gives_the_same_bytes(api) -> None:  # noqa: F811
    api.app.state.ctx.jobs.samples = SampleCache(size=0)  # both jobs sample afresh
    ids = [api.post(COORDINATOR, f"{JOBS}/funding", FUNDING).json()["id"] for _ in range(2)]
    assert api.app.state.ctx.jobs.wait_idle(120)
    with Session(api.engine) as s:
        rows = [s.get(AnalysisJobRow, i) for i in ids]
    assert rows[0].result_json == rows[1].result_json and rows[0].result_json
    assert rows[0].chart_png == rows[1].chart_png


def test_stress_job_on_the_network_ledger(api) -> None:  # noqa: F811
    seed_combined(api.engine)
    body = {"ledger": "database", "default": ["C2"]}
    job = api.post(COORDINATOR, f"{JOBS}/stress", body).json()
    done = finished(api, job)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["shocked"] == ["C2"] and res["claims"] == 4
    loss = {c["coop"]: c["loss"] for c in res["coops"]}
    # C2 pays nothing: C3 loses its 200,000 and C1 its 50,000 (C2 owes them)
    assert loss["C3"] == "200000.00" and loss["C1"] == "50000.00"
    assert set(res["reserve_broken"]) >= {"C1", "C3"}
    assert api.get(COORDINATOR, done["chart_url"]).status_code == 200


def test_stress_of_an_area_reads_only_its_own_coops(api) -> None:  # noqa: F811
    seed_combined(api.engine)
    area = "/v1/networks/LPN-A1/jobs"
    r = api.post("area1-office", f"{area}/stress", {"default": ["C3"]})  # C3 is in LPN-A2
    assert r.status_code == 422 and "default[0]" in r.text
    job = api.post("area1-office", f"{area}/stress", {"default": ["C2"]}).json()
    done = finished(api, job, "area1-office")
    assert {c["coop"] for c in done["result"]["coops"]} == {"C1", "C2"}
    assert done["result"]["claims"] == 1  # C2 → C1 only; the debts to LPN-A2 are not read
    # the province's coordinator sees the area's job; the area's never sees the province's
    assert api.get(COORDINATOR, f"{JOBS}/{job['id']}").status_code == 200
    lpn = api.post(COORDINATOR, f"{JOBS}/stress", {"default": ["C2"]}).json()
    assert api.get("area1-office", f"{area}/{lpn['id']}").status_code == 404
    assert api.get("area1-office", f"{JOBS}/{lpn['id']}").status_code == 404
    assert [j["id"] for j in api.get("area1-office", area).json()["items"]] == [job["id"]]
    finished(api, lpn)


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("funding", {**FUNDING, "target_bps": 0}, ["target_bps"]),
        ("funding", {**FUNDING, "runs": 5000, "seed": -1}, ["runs", "seed"]),
        ("funding", {**FUNDING, "sources": ["nope"]}, ["sources[0]"]),
        ("funding", {**FUNDING, "networks": ["nowhere"], "days": 200}, ["networks[0]", "days"]),
        ("funding", {**FUNDING, "scenario": "missing.yaml"}, ["scenario"]),
        ("stress", {"default": ["C9"], "price_fall_bps": 20000}, ["default[0]", "price_fall_bps"]),
        ("stress", {"ledger": "scenario", "scenario": "lamphun-2555.yaml", "day": 400}, ["day"]),
        ("stress", {"ledger": "scenario"}, ["scenario"]),
        ("stress", {}, ["default"]),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(api, path, body, fields) -> None:  # noqa: F811
    before = (_count(api.engine, AuditEventRow), _count(api.engine, IdempotencyKeyRow))
    r = api.post(COORDINATOR, f"{JOBS}/{path}", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    for field in fields:
        assert field in problem["detail"] and any(
            line.startswith(field) for line in problem["lines"]
        )
    assert all(" / " in line for line in problem["lines"])  # Thai / English
    thai = api.client.post(
        f"{JOBS}/{path}",
        json=body,
        headers=api.headers(COORDINATOR, "th", **{"Accept-Language": "th"}),
    )
    assert "คำขอไม่ถูกต้อง" in thai.json()["detail"]
    assert _count(api.engine, AnalysisJobRow) == 0
    assert (_count(api.engine, AuditEventRow), _count(api.engine, IdempotencyKeyRow)) == before


def test_wrong_types_and_roles_are_refused(api) -> None:  # noqa: F811
    r = api.post(COORDINATOR, f"{JOBS}/funding", {**FUNDING, "runs": "2"})
    assert r.status_code == 422 and "runs" in r.json()["detail"]
    r = api.post(COORDINATOR, f"{JOBS}/funding", {**FUNDING, "colour": "red"})
    assert r.status_code == 422
    r = api.post(COORDINATOR, f"{JOBS}/stress", {"ledger": "elsewhere", "default": ["C2"]})
    assert r.status_code == 422 and "ledger" in r.json()["detail"]
    assert api.post("C1", f"{JOBS}/stress", {"default": ["C2"]}).status_code == 403
    r = api.client.post(
        f"{JOBS}/stress", json={"default": ["C2"]}, headers=api.headers(COORDINATOR)
    )
    assert r.status_code == 400 and r.json()["code"] == "idempotency_required"
    assert _count(api.engine, AnalysisJobRow) == 0


def test_a_replay_is_one_job(api) -> None:  # noqa: F811
    first = api.post(COORDINATOR, f"{JOBS}/stress", {"default": ["C2"]}, idem="k1")
    again = api.post(COORDINATOR, f"{JOBS}/stress", {"default": ["C2"]}, idem="k1")
    assert first.status_code == again.status_code == 202
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    other = api.post(COORDINATOR, f"{JOBS}/stress", {"default": ["C1"]}, idem="k1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert api.app.state.ctx.jobs.wait_idle(60)
    assert _count(api.engine, AnalysisJobRow) == 1


def test_retry_only_a_failed_job(api) -> None:  # noqa: F811
    job = api.post(COORDINATOR, f"{JOBS}/stress", {"default": ["C2"]}).json()
    finished(api, job)
    r = api.post(COORDINATOR, f"{JOBS}/{job['id']}/retry")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


CHILD = """
import sys, time
from api.db.tx import in_write_transaction
from api.services.clock import system_clock
from api.services.jobs import runner as r, store
from api.settings import Settings, create_engine_from

engine = create_engine_from(Settings(database_url=sys.argv[1]))
jobs = r.JobRunner(engine, system_clock, r.JobLimits(beat_s=0.05, lease_s=60))
real = r.run_funding

def slow(params, workers, tell, cache=None):
    def step(p):
        tell(p)
        time.sleep(0.3)
    return real(params, workers, step, cache)

r.run_funding = slow
params = {**%(params)r}
who, now = "lamphun-office", system_clock()
job = in_write_transaction(
    engine, lambda s: store.create_job(s, "LPN", "funding", params, who, now, jobs.runner_id)
)
jobs.submit(int(job.id))
print(job.id, flush=True)
time.sleep(600)
"""


def test_a_crash_in_the_middle_then_a_retry(api, backend, clock) -> None:  # noqa: F811
    if backend != "sqlite":
        pytest.skip("the child process opens the test's SQLite file")
    from api.services.jobs.funding import check_funding

    params = check_funding({**FUNDING, "runs": 4})
    url = api.engine.url.render_as_string(hide_password=False)
    code = CHILD % {"params": params}
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", code, url],
        stdout=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert child.stdout is not None
        job_id = int(child.stdout.readline())
        deadline = time.monotonic() + 120
        while True:  # wait until the plan is half-way through its sampling
            with Session(api.engine) as s:
                row = s.get(AnalysisJobRow, job_id)
                assert row is not None
                if row.status == "running" and row.done_count >= 1:
                    break
            assert time.monotonic() < deadline, "the child never got going"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with Session(api.engine) as s:
        row = s.get(AnalysisJobRow, job_id)
        assert row.status == "running" and row.result_json is None and row.total_count == 4
    # a new process starts after the lease: its start-up marks the job interrupted
    clock.now = datetime.now(UTC) + timedelta(seconds=61)
    restarted = make_api(api.engine, clock, seed=False)
    restarted.app.state.ctx.jobs.samples = SampleCache(size=0)  # both runs sample afresh
    with restarted.client:
        got = restarted.get(COORDINATOR, f"{JOBS}/{job_id}").json()
        assert got["status"] == "failed" and got["error"]["code"] == "interrupted"
        assert "ทำใหม่" in got["error"]["message_th"]
        r = restarted.post(COORDINATOR, f"{JOBS}/{job_id}/retry")
        assert r.status_code == 202 and r.json()["status"] == "queued"
        assert r.json()["attempts"] == 2
        done = finished(restarted, {"id": job_id, "network_id": "LPN"})
        assert done["status"] == "done" and done["attempts"] == 2
        fresh = restarted.post(COORDINATOR, f"{JOBS}/funding", {**FUNDING, "runs": 4}).json()
        finished(restarted, fresh)
    with Session(api.engine) as s:
        retried, clean = s.get(AnalysisJobRow, job_id), s.get(AnalysisJobRow, fresh["id"])
        assert retried.result_json == clean.result_json  # the retry gives the same bytes
        events = (
            s.execute(
                select(AuditEventRow.action)
                .where(
                    AuditEventRow.entity == "analysis_job", AuditEventRow.entity_id == str(job_id)
                )
                .order_by(AuditEventRow.id)
            )
            .scalars()
            .all()
        )
    assert events == [
        "job.created",
        "job.started",
        "job.failed",
        "job.retried",
        "job.started",
        "job.done",
    ]


def test_stress_job_on_a_simulated_day_equals_the_cli(api) -> None:  # noqa: F811
    from matcher.stress.model import StressProblem
    from matcher.stress.run import run_stress
    from scenarios.funding.report import stress_dict
    from scenarios.funding.stress_day import group_members, shocks_for, simulated_ledger

    body = {
        "ledger": "scenario",
        "scenario": "lamphun-2555.yaml",
        "day": 20,
        "seed": 2,
        "default": ["agri-buyer-01"],
        "group": ["longan"],
        "price_fall_bps": 4000,
    }
    done = finished(api, api.post(COORDINATOR, f"{JOBS}/stress", body).json())
    assert done["status"] == "done", done
    scenario = load_scenario(SCENARIO_DIR / "lamphun-2555.yaml")
    positions, claims = simulated_ledger(scenario, 2, 20)
    members = {"longan": group_members(scenario, "longan")}
    shocks = shocks_for(
        {p.coop_id for p in positions}, members, ["agri-buyer-01"], ["longan"], 4000
    )
    result = run_stress(StressProblem(positions, claims, shocks), tuple(s.coop_id for s in shocks))
    expected = money_strings(stress_dict(result, [s.coop_id for s in shocks]))
    assert {k: done["result"][k] for k in expected} == json.loads(json.dumps(expected))
    assert done["result"]["title"][1].endswith("day 20")


def test_a_second_plan_on_the_same_samples_samples_nothing(api) -> None:  # noqa: F811
    runner = api.app.state.ctx.jobs
    first = api.post(COORDINATOR, f"{JOBS}/funding", {**FUNDING, "target_bps": 9000}).json()
    finished(api, first)
    second = finished(api, api.post(COORDINATOR, f"{JOBS}/funding", FUNDING).json())
    assert runner.samples.hits == 1 and second["status"] == "done"
    scenario = with_days(load_scenario(SCENARIO_DIR / "lamphun-2555.yaml"), 4)
    fresh = plan_funding(scenario, 9500, 2, 3, check_runs=1, executor=Executor.SERIAL)
    expected = money_strings(funding_dict(fresh))
    assert {k: second["result"][k] for k in expected} == json.loads(json.dumps(expected))
