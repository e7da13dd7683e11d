"""The funding-plan and stress page through FastAPI's TestClient: a form starts a job, the
card polls until the stored result shows its tables and chart, in Thai and English; bad
input names the field and stores nothing; a double post is one job; a failed job is retried
from its card; another province's job is the uniform 404."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from webfixtures import LOEI_NAMES, Web, token_of, without_tokens

from api.db.tables_jobs import AnalysisJobRow
from api.db.tx import in_write_transaction, read_session
from api.services.jobs import store


def jobs(web: Web) -> int:
    with read_session(web.engine) as s:
        return int(s.execute(select(func.count()).select_from(AnalysisJobRow)).scalar_one())


def start(web: Web, kind: str, **fields: str) -> Any:
    token = token_of(web.client.get("/web/analysis?network=LPN").text)
    data = {"form_token": token, "network": "LPN", **fields}
    return web.client.post(f"/web/analysis/{kind}", data=data, headers={"HX-Request": "true"})


def card(web: Web, html: str) -> str:
    """Poll the job card of ``html`` until the job has ended; the last card."""
    job_id = re.search(r'id="job-(\d+)"', html).group(1)  # type: ignore[union-attr]
    assert web.app.state.ctx.jobs.wait_idle(120)
    r = web.client.get(f"/web/analysis/jobs/{job_id}?network=LPN", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "hx-trigger" not in r.text  # an ended job stops polling
    return r.text


def test_stress_from_the_form_in_thai_and_english(web: Web) -> None:
    web.login("lamphun-office")
    page = web.client.get("/web/analysis?network=LPN")
    assert page.status_code == 200 and "แผนเงินทุนและภาวะวิกฤต" in page.text
    assert '<option value="C2">' in page.text  # the subtree's coops to pick from
    r = start(web, "stress", ledger="database", default="C2", price_fall_pct="40")
    assert r.status_code == 200 and 'hx-trigger="every 1s"' in r.text  # queued: polls
    done = card(web, r.text)
    assert 'data-status="done"' in done and 'id="losses"' in done and "ทุนสำรองแตก" in done
    assert "200,000.00" in done  # C3's loss: C2's whole debt to it
    job_id = re.search(r'id="job-(\d+)"', done).group(1)  # type: ignore[union-attr]
    png = web.client.get(f"/web/analysis/jobs/{job_id}/chart.png?network=LPN")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    english = web.client.get(f"/web/analysis/jobs/{job_id}?network=LPN&lang=en")
    assert "Reserve broken" in english.text and "Largest borrower" in english.text
    assert "Stress test" in english.text and "ทุนสำรอง" not in english.text
    assert not any(name in english.text + done for name in LOEI_NAMES)


def test_funding_from_the_form_shows_sizes_rules_and_chart(web: Web) -> None:
    web.login("lamphun-office")
    fields = {"scenario": "lamphun-2555.yaml", "target_pct": "95", "runs": "2"}
    r = start(web, "funding", **fields, check_runs="1", seed="3", days="4")
    assert r.status_code == 200
    done = card(web, r.text)
    assert 'id="sizes"' in done and 'id="rules"' in done and "chart.png" in done
    assert "P95 ของยอดขาดสูงสุดรายวัน" in done and "กองทุนร่วม" in done


def test_bad_input_names_the_field_and_stores_nothing(web: Web) -> None:
    web.login("lamphun-office")
    r = start(web, "funding", scenario="lamphun-2555.yaml", target_pct="0", runs="2")
    assert r.status_code == 422 and "target_pct" in r.text
    r = start(web, "funding", scenario="nope.yaml", runs="2")
    assert r.status_code == 422 and "scenario" in r.text and "unknown scenario" in r.text
    r = start(web, "stress", ledger="database", default="L1")  # a Loei coop: not ours
    assert r.status_code == 422 and "default[0]" in r.text
    r = start(web, "stress", ledger="scenario", scenario="lamphun-2555.yaml", day="999")
    assert r.status_code == 422 and "day" in r.text
    assert jobs(web) == 0


def test_a_double_post_is_one_job(web: Web) -> None:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/analysis?network=LPN").text)
    data = {"form_token": token, "network": "LPN", "ledger": "database", "default": "C2"}
    first = web.client.post("/web/analysis/stress", data=data)
    again = web.client.post("/web/analysis/stress", data=data)
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert web.app.state.ctx.jobs.wait_idle(60)
    assert jobs(web) == 1


def test_a_failed_job_is_retried_from_its_card(web: Web) -> None:
    web.login("lamphun-office")
    r = start(web, "stress", ledger="database", default="C2")
    job_id = int(re.search(r'id="job-(\d+)"', card(web, r.text)).group(1))  # type: ignore[union-attr]

    def break_it(s: Any) -> None:  # as a crash leaves it, then swept
        row = s.get(AnalysisJobRow, job_id)
        row.status, row.result_json = store.FAILED, None
        row.error_json = store.canonical(
            {"code": "interrupted", "message_th": store.INTERRUPTED[1], "message_en": "x"}
        )
        s.add(row)

    in_write_transaction(web.engine, break_it)
    failed = web.client.get(f"/web/analysis/jobs/{job_id}?network=LPN")
    assert "retry-btn" in failed.text and store.INTERRUPTED[1] in failed.text
    token = token_of(failed.text)
    r = web.client.post(
        f"/web/analysis/jobs/{job_id}/retry", data={"form_token": token, "network": "LPN"}
    )
    assert r.status_code == 200 and 'data-status="queued"' in r.text
    assert 'data-status="done"' in card(web, r.text)


def test_another_provinces_job_is_not_found(web: Web) -> None:
    web.login("lamphun-office")
    r = start(web, "stress", ledger="database", default="C2")
    job_id = re.search(r'id="job-(\d+)"', r.text).group(1)  # type: ignore[union-attr]
    assert web.app.state.ctx.jobs.wait_idle(60)
    web.logout()
    web.login("loei-office")
    for url in (
        f"/web/analysis/jobs/{job_id}?network=LOEI",
        f"/web/analysis/jobs/{job_id}?network=LPN",
        f"/web/analysis/jobs/{job_id}/chart.png?network=LOEI",
    ):
        assert web.client.get(url).status_code == 404, url
    page = web.client.get("/web/analysis?network=LOEI").text
    shown = without_tokens(page)
    assert not re.search(rf"#{job_id}\b", shown) and not re.search(r"\bC2\b", shown)
