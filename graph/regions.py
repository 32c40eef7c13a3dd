"""Region names: a region code (GB/T 2260, 6 digits) as the name an official reads."""

from __future__ import annotations

import math

__all__ = ["region_name", "GB2260"]

# GB/T 2260 names of the codes the generator and the tests use (province, prefecture, county).
GB2260: dict[str, str] = {
    "360000": "江西省", "360100": "南昌市", "360102": "东湖区", "360103": "西湖区", "360104": "青云谱区",
    "360111": "青山湖区", "360112": "新建区", "360113": "红谷滩区", "360121": "南昌县", "360122": "新建县",
    "360123": "安义县", "360124": "进贤县",
    "360200": "景德镇市", "360202": "昌江区", "360203": "珠山区", "360222": "浮梁县", "360281": "乐平市",
    "360300": "萍乡市", "360302": "安源区", "360313": "湘东区", "360321": "莲花县", "360322": "上栗县",
    "360323": "芦溪县",
    "360400": "九江市", "360402": "濂溪区", "360403": "浔阳区", "360404": "柴桑区", "360423": "武宁县",
    "360424": "修水县", "360425": "永修县",
    "360500": "新余市", "360600": "鹰潭市", "360700": "赣州市", "360800": "吉安市", "360900": "宜春市",
    "361000": "抚州市", "361100": "上饶市",
    "330000": "浙江省", "330100": "杭州市", "330102": "上城区", "330105": "拱墅区", "330106": "西湖区",
    "330108": "滨江区",
}  # fmt: skip


def region_name(code, lang: str, table: dict[str, str] | None = None) -> str:
    """A region code as a name: the bundle's ``regions`` table when it names the code, else the
    GB/T 2260 name (prefecture and county, e.g. 南昌市东湖区); an unknown code stays a code, with
    its prefecture's name when that is known; the code follows the name in brackets (namesakes told apart)."""
    if code is None or (isinstance(code, float) and math.isnan(code)) or str(code) in ("", "?"):
        return "—" if lang == "zh" else "unknown"
    text = str(code).split(".")[0]
    found = (table or {}).get(text)
    if not found and len(text) == 6 and text.isdigit():
        prefecture = GB2260.get(text[:4] + "00", "")
        county = GB2260.get(text, "") if not text.endswith("00") else ""
        province = GB2260.get(text[:2] + "0000", "")
        if county:
            found = prefecture + county
        elif text.endswith("0000"):
            found = province
        elif text.endswith("00"):
            found = prefecture
        elif prefecture:
            found = f"{prefecture}（{text}）" if lang == "zh" else f"{prefecture}"
    if not found:
        return text
    if found.endswith(f"（{text}）") or text == found:
        return found
    return f"{found}（{text}）" if lang == "zh" else f"{found} ({text})"
