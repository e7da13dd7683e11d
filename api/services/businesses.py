"""Names of the businesses a network's joint fund starts with start-up capital (the
``businesses`` of the network policy's ``startup_capital``): stable codes, each with a Thai and
an English name, as the know-how topics are named (:data:`matcher.knowhow.topics.TOPICS`).

A policy may name a business this list does not know: it is shown by its code
(:func:`business_name`). Add codes here, never rename one.
"""

from __future__ import annotations

BUSINESSES: dict[str, tuple[str, str]] = {
    "fuel_station": ("สถานีบริการน้ำมัน", "Fuel station"),
    "rice_mill": ("โรงสีข้าว", "Rice mill"),
    "feed_mill": ("โรงผสมอาหารสัตว์", "Feed mill"),
    "egg_grading": ("โรงคัดเกรดไข่ไก่", "Egg grading plant"),
    "layer_farm": ("ฟาร์มไก่ไข่", "Layer farm"),
    "longan_drying": ("โรงอบลำไยแห้ง", "Longan drying plant"),
    "longan_grading": ("จุดรวบรวมและคัดเกรดลำไย", "Longan collection and grading"),
    "coop_store": ("ร้านค้าสหกรณ์", "Cooperative store"),
    "farm_inputs": ("ร้านปุ๋ยและปัจจัยการผลิต", "Fertiliser and farm-input store"),
    "drinking_water": ("โรงผลิตน้ำดื่ม", "Drinking-water plant"),
    "cold_storage": ("ห้องเย็น", "Cold storage"),
    "farm_machinery": ("บริการเครื่องจักรกลการเกษตร", "Farm machinery service"),
    "milk_collection": ("ศูนย์รวบรวมน้ำนมดิบ", "Raw-milk collection centre"),
    "rubber_processing": ("โรงแปรรูปยางพารา", "Rubber processing plant"),
    "organic_vegetables": ("แปลงผักอินทรีย์", "Organic vegetable farm"),
}


def business_name(code: str, lang: str) -> str:
    """The business's Thai (``lang == "th"``) or English name; the code itself when the
    list does not know it."""
    names = BUSINESSES.get(code)
    if names is None:
        return code
    return names[0] if lang == "th" else names[1]
