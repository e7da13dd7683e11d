"""The letters of a round, each one PDF: the loan proposal with its schedule, the loan
commitment (agreement summary), the sale confirmation, the set-off notice of each coop, and
the round summary for the network's board.

Every letter carries the network's name, a reference ``<network>/<round>/<number>``, the
date in the Buddhist Era, binding amounts in figures and in Thai words, and blocks for the
signatures it needs. :func:`round_letters` gives every letter of a round by file name.
"""

from __future__ import annotations

from api.papers.pdf import Paper
from api.papers.sources import LoanPaper, Party, RoundPapers, SalePaper
from api.papers.thai import baht, baht_in_full, rate, thai_date, thai_time
from api.services.sheets import STATUS_TEXT
from matcher.money import format_baht

REPAYMENT = {"bullet": "ชำระคืนครั้งเดียวเมื่อครบกำหนด", "equal": "ผ่อนชำระเงินต้นเท่ากันทุกงวด"}
COORDINATOR = "ผู้ประสานงานเครือข่าย"


def _th(code: str) -> str:
    """A stored status or tier in Thai, the same words as the spreadsheets."""
    words = STATUS_TEXT.get(code)
    return words[0] if words else code


def _paper(rp: RoundPapers, title: str, number: object) -> Paper:
    paper = Paper(rp.network_name, title, rp.business_date)
    paper.reference(f"{rp.network_id}/{rp.round_id}/{number}", rp.business_date)
    return paper


def _schedule(paper: Paper, loan: LoanPaper) -> None:
    rows = [
        [str(i.seq), thai_date(i.due_date), format_baht(i.principal_satang),
         format_baht(i.interest_satang), format_baht(i.principal_satang + i.interest_satang)]
        for i in loan.schedule
    ]  # fmt: skip
    total = ["รวม", "", format_baht(loan.amount_satang), format_baht(loan.interest_satang),
             format_baht(loan.amount_satang + loan.interest_satang)]  # fmt: skip
    header = ["งวด", "วันครบกำหนด", "เงินต้น (บาท)", "ดอกเบี้ย (บาท)", "รวม (บาท)"]
    paper.grid(header, rows, (12, 48, 36, 32, 36), total=total)


def _loan_facts(loan: LoanPaper) -> list[tuple[str, str]]:
    return [
        ("ผู้ให้กู้", loan.lender.name),
        ("ผู้กู้", loan.borrower.name),
        ("จำนวนเงินกู้", baht_in_full(loan.amount_satang)),
        ("อัตราดอกเบี้ย", f"{rate(loan.rate_bps)} (ดอกเบี้ยอย่างง่าย ฐาน 365 วัน)"),
        ("ระยะเวลา", f"{loan.term_days} วัน · {REPAYMENT.get(loan.repayment, loan.repayment)}"),
        ("ดอกเบี้ยรวม", baht_in_full(loan.interest_satang)),
        ("ระดับที่จับคู่", _th(loan.tier)),
    ]


def loan_proposal_letter(rp: RoundPapers, loan: LoanPaper) -> bytes:
    """หนังสือเสนอเงินกู้: the proposal to both coops, its schedule and its expiry."""
    paper = _paper(rp, "หนังสือเสนอเงินกู้ระหว่างสหกรณ์", loan.proposal_id)
    paper.heading(f"ข้อเสนอเงินกู้ระหว่างสหกรณ์ เลขที่ {loan.proposal_id}",
                  f"ผู้จัดการ{loan.lender.name} และผู้จัดการ{loan.borrower.name}")  # fmt: skip
    paper.paragraph(
        f"ในการจับคู่ประจำวันที่ {thai_date(rp.business_date)} ของ{rp.network_name} "
        f"ระบบได้เสนอให้ {loan.lender.name} ให้ {loan.borrower.name} กู้ยืมเงิน "
        "ตามเงื่อนไขและกำหนดชำระคืนข้างล่างนี้"
    )
    paper.facts([*_loan_facts(loan), ("สถานะ", _th(loan.status)),
                 ("ตอบรับภายใน", thai_time(loan.expires_at))])  # fmt: skip
    _schedule(paper, loan)
    paper.paragraph(
        "ข้อเสนอนี้ผูกพันเมื่อทั้งสองสหกรณ์ตอบรับก่อนเวลาที่กำหนด หากฝ่ายใดปฏิเสธ "
        "หรือพ้นกำหนดโดยไม่ตอบรับ ข้อเสนอเป็นอันยกเลิก"
    )
    paper.signatures([(loan.lender.name, "ผู้ให้กู้"), (loan.borrower.name, "ผู้กู้")])
    return paper.pdf_bytes()


def commitment_letter(rp: RoundPapers, loan: LoanPaper) -> bytes:
    """สรุปสัญญากู้ยืมเงิน: the loan both sides accepted, with the booked schedule."""
    paper = _paper(rp, "สรุปข้อตกลงกู้ยืมเงินระหว่างสหกรณ์", f"C{loan.commitment_id}")
    paper.heading(f"ข้อตกลงกู้ยืมเงิน เลขที่ {loan.commitment_id} (ข้อเสนอ {loan.proposal_id})",
                  f"ผู้จัดการ{loan.lender.name} และผู้จัดการ{loan.borrower.name}")  # fmt: skip
    accepted = thai_time(loan.committed_at) if loan.committed_at else "-"
    paper.paragraph(
        f"{loan.lender.name} และ {loan.borrower.name} ได้ตอบรับข้อเสนอเงินกู้ครบทั้งสองฝ่าย "
        f"เมื่อ {accepted} จึงมีข้อตกลงกู้ยืมเงินตามรายละเอียดและกำหนดชำระคืนข้างล่างนี้"
    )
    paper.facts(_loan_facts(loan))
    _schedule(paper, loan)
    paper.paragraph("ผู้กู้ชำระเงินต้นและดอกเบี้ยตามงวดข้างต้น งวดที่ถึงกำหนดเข้าสู่การหักกลบลบหนี้ของเครือข่าย")
    paper.signatures([(loan.lender.name, "ผู้ให้กู้"), (loan.borrower.name, "ผู้กู้"),
                      (COORDINATOR, "พยาน")])  # fmt: skip
    return paper.pdf_bytes()


def sale_confirmation(rp: RoundPapers, sale: SalePaper) -> bytes:
    """หนังสือยืนยันการซื้อขาย: what is sold, at what price, delivered and paid when."""
    paper = _paper(rp, "หนังสือยืนยันการซื้อขายผลผลิต", sale.proposal_id)
    paper.heading(f"การซื้อขาย{sale.product} เลขที่ {sale.proposal_id}",
                  f"ผู้จัดการ{sale.seller.name} และผู้จัดการ{sale.buyer.name}")  # fmt: skip
    paper.paragraph(
        f"ในการจับคู่ประจำวันที่ {thai_date(rp.business_date)} ระบบได้เสนอให้ {sale.seller.name} "
        f"ขาย{sale.product} ให้ {sale.buyer.name} ตามรายละเอียดข้างล่างนี้"
    )
    credit = thai_date(sale.credit_due_date) if sale.credit_due_date else "ชำระเมื่อส่งมอบ"
    paper.facts([
        ("ผู้ขาย", sale.seller.name), ("ผู้ซื้อ", sale.buyer.name),
        ("สินค้า", f"{sale.product} เกรด {sale.grade}"),
        ("ปริมาณ", f"{sale.quantity:,} {sale.unit}"),
        ("ราคาต่อหน่วย", baht(sale.price_satang)),
        ("มูลค่า", baht_in_full(sale.value_satang)),
        ("ค่าขนส่งโดยประมาณ", baht(sale.transport_satang)),
        ("วันส่งมอบ", thai_date(sale.delivery_date)), ("กำหนดชำระเงิน", credit),
        ("สถานะ", _th(sale.status)),
        ("ตอบรับภายใน", thai_time(sale.expires_at)),
    ])  # fmt: skip
    paper.signatures([(sale.seller.name, "ผู้ขาย"), (sale.buyer.name, "ผู้ซื้อ")])
    return paper.pdf_bytes()


def setoff_notice(rp: RoundPapers, coop: Party) -> bytes:
    """หนังสือแจ้งหักกลบลบหนี้: every debt of ``coop`` (owed or owed to it) set off."""
    lines = [s for s in rp.setoffs if coop.id in (s.debtor.id, s.creditor.id)]
    paper = _paper(rp, "หนังสือแจ้งการหักกลบลบหนี้", coop.id)
    paper.heading("แจ้งผลการหักกลบลบหนี้ระหว่างสหกรณ์", f"ผู้จัดการ{coop.name}")
    paper.paragraph(
        f"ในการจับคู่ประจำวันที่ {thai_date(rp.business_date)} ของ{rp.network_name} "
        "หนี้ระหว่างสหกรณ์ที่เกี่ยวข้องกับสหกรณ์ของท่านได้หักกลบกันดังนี้ "
        "ยอดที่หักกลบถือว่าได้ชำระแล้ว ยอดคงเหลือยังคงต้องชำระตามกำหนดเดิม"
    )
    rows = [
        [s.obligation_id, "ลูกหนี้" if s.debtor.id == coop.id else "เจ้าหนี้",
         s.creditor.name if s.debtor.id == coop.id else s.debtor.name,
         format_baht(s.set_off_satang), format_baht(s.remaining_satang)]
        for s in lines
    ]  # fmt: skip
    paid = sum(s.set_off_satang for s in lines if s.debtor.id == coop.id)
    received = sum(s.set_off_satang for s in lines if s.creditor.id == coop.id)
    paper.grid(["เลขหนี้", "ฐานะ", "คู่สัญญา", "หักกลบ (บาท)", "คงเหลือ (บาท)"], rows,
               (36, 18, 55, 29, 27))  # fmt: skip
    paper.facts([("ท่านชำระหนี้ด้วยการหักกลบ", baht_in_full(paid)),
                 ("ท่านได้รับชำระด้วยการหักกลบ", baht_in_full(received))])  # fmt: skip
    paper.signatures([(COORDINATOR, "ผู้แจ้ง"), (coop.name, "ผู้รับทราบ")])
    return paper.pdf_bytes()


def round_summary(rp: RoundPapers) -> bytes:
    """สรุปผลการจับคู่สำหรับคณะกรรมการ: the round's figures and every loan and sale."""
    paper = _paper(rp, "สรุปผลการจับคู่ประจำวันสำหรับคณะกรรมการ", "summary")
    paper.heading(f"สรุปผลการจับคู่ประจำวันที่ {thai_date(rp.business_date)} ฉบับที่ {rp.version}",
                  f"คณะกรรมการ{rp.network_name}")  # fmt: skip
    o, r = rp.objective, rp.objective.get("round") or {}
    facts = [("คำสั่งที่นำมาจับคู่", f"{rp.order_count:,} รายการ"),
             ("ความต้องการเงินกู้", baht(int(o.get("needed_satang", 0)))),
             ("จับคู่เงินกู้ได้", baht_in_full(int(o.get("covered_satang", 0))))]  # fmt: skip
    if r:
        cleared, gross = baht(r["debt_cleared_satang"]), baht(r["debt_gross_satang"])
        sold = f"{r['sale_count']} รายการ {baht(r['sales_satang'])}"
        facts += [("หนี้ที่หักกลบได้", f"{cleared} จาก {gross}"), ("การขายผลผลิต", sold)]
    paper.facts(facts)
    loans = [[str(x.proposal_id), x.lender.name, x.borrower.name, format_baht(x.amount_satang),
              rate(x.rate_bps).removesuffix(" ต่อปี"), _th(x.status)]
             for x in rp.loans]  # fmt: skip
    if loans:
        paper.paragraph("เงินกู้ที่เสนอ", bold=True, indent=False)
        paper.grid(["เลขที่", "ผู้ให้กู้", "ผู้กู้", "จำนวน (บาท)", "ดอกเบี้ย", "สถานะ"], loans,
                   (13, 46, 46, 30, 17, 20))  # fmt: skip
    sales = [
        [str(x.proposal_id), x.seller.name, x.buyer.name, f"{x.product} {x.grade}",
         format_baht(x.value_satang), _th(x.status)]
        for x in rp.sales
    ]  # fmt: skip
    if sales:
        paper.paragraph("การขายผลผลิตที่เสนอ", bold=True, indent=False)
        paper.grid(["เลขที่", "ผู้ขาย", "ผู้ซื้อ", "สินค้า", "มูลค่า (บาท)", "สถานะ"], sales,
                   (13, 43, 43, 22, 30, 21))  # fmt: skip
    paper.signatures([(COORDINATOR, "ผู้เสนอ"), ("ประธานคณะกรรมการเครือข่าย", "ผู้รับรอง")])
    return paper.pdf_bytes()


def round_letters(rp: RoundPapers) -> dict[str, bytes]:
    """Every letter of the round by file name."""
    out = {"round-summary.pdf": round_summary(rp)}
    for loan in rp.loans:
        out[f"loan-proposal-{loan.proposal_id}.pdf"] = loan_proposal_letter(rp, loan)
        if loan.commitment_id is not None:
            out[f"loan-commitment-{loan.commitment_id}.pdf"] = commitment_letter(rp, loan)
    for sale in rp.sales:
        out[f"sale-{sale.proposal_id}.pdf"] = sale_confirmation(rp, sale)
    for coop in rp.coops_in_setoff():
        out[f"setoff-{coop.id}.pdf"] = setoff_notice(rp, coop)
    return out
