"""The maintained list of know-how topics (stable codes; add, never rename).

Each code maps to a Thai and an English name. Coop learning centres (ศูนย์เรียนรู้สหกรณ์) and
agricultural learning centres (ศพก.) post what they teach under these codes.
"""

from __future__ import annotations

TOPICS: dict[str, tuple[str, str]] = {
    "fuel_station_operation": ("การบริหารสถานีบริการน้ำมัน", "fuel-station operation"),
    "longan_grading": ("การคัดเกรดลำไย", "longan grading"),
    "longan_drying": ("การอบลำไยแห้ง", "longan drying"),
    "egg_grading": ("การคัดเกรดไข่ไก่", "egg grading"),
    "layer_farming": ("การเลี้ยงไก่ไข่", "layer farming"),
    "feed_formulation": ("การผสมอาหารสัตว์", "feed formulation"),
    "accounting": ("การบัญชีสหกรณ์", "cooperative accounting"),
    "savings_credit": ("การบริหารเงินออมและสินเชื่อ", "savings and credit management"),
    "governance": ("ธรรมาภิบาลและการประชุมใหญ่", "governance and general meetings"),
    "online_sales": ("การขายออนไลน์และเว็บไซต์", "online sales and web shops"),
    "rice_milling": ("การสีข้าวและโรงสี", "rice milling"),
    "organic_certification": ("การรับรองเกษตรอินทรีย์", "organic certification"),
    "packaging_branding": ("บรรจุภัณฑ์และตราสินค้า", "packaging and branding"),
    "water_management": ("การจัดการน้ำในแปลงเกษตร", "farm water management"),
}
