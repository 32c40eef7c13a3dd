"""Chinese names: places, organizations, persons, projects and addresses, built from word lists.

Every builder draws from the generator it is given and returns a NumPy array of strings, so a
province's hundreds of thousands of names cost a few vectorised string joins.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CITY_NAMES",
    "COUNTY_NAMES",
    "DISTRICT_NAMES",
    "SUBTYPES",
    "SUPPLY_SUFFIXES",
    "addresses",
    "firm_names",
    "join",
    "person_names",
    "trade_names",
]

CITY_NAMES = [
    "临江",
    "云州",
    "清河",
    "东原",
    "西岭",
    "南屏",
    "北溪",
    "安澜",
    "青川",
    "丰城",
    "宁远",
    "长汀",
    "白石",
    "梧桐",
    "金沙",
    "玉泉",
    "柳城",
    "松阳",
    "桐山",
    "鹤林",
]
DISTRICT_NAMES = ["城关区", "东湖区", "西城区", "南山区", "北江区", "高新区", "经开区", "滨江区"]
COUNTY_NAMES = ["临水县", "安平县", "青山县", "石门县", "永和县", "丰乐县", "桃源县", "龙溪县"]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
# Rough frequency: the first surnames are far commoner (王 李 张 刘 陈 ≈ 30% of people).
_SURNAME_WEIGHTS = 1.0 / (np.arange(len(SURNAMES)) + 4.0)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力飞鹏宇浩凯俊峰波斌"
    "志国海东春晓雪梅琳颖婷欣怡佳慧晨阳磊鑫亮林宏振德荣昌永胜利庆光福贵成"
)
TRADE_SYLLABLES = sorted(
    set(
        "华宏鑫盛泰恒达通建安宇丰源瑞祥隆兴和远聚诚信德昌明辉金银广博创新锦中天元利"
        "嘉润泽力腾越航邦顺凯旭永康汇卓晟煜弘毅坤乾峰豪骏"
        "正大方圆振兆茂森林海江川山岳舜禹尧汉唐秦晋楚吴越齐鲁豫皖赣湘蜀闽粤桂"
        "百千万亿久长荣富强成才鸿运福星光耀佳美精工品质盈泓澜涛"
    )
)
# The trade name (字号) of firms: two syllables; suffixes by what the firm supplies.
SUPPLY_SUFFIXES = {
    0: [
        "建筑工程有限公司",
        "建设集团有限公司",
        "市政工程有限公司",
        "建设工程有限公司",
        "路桥工程有限公司",
        "水利水电工程有限公司",
        "装饰工程有限公司",
        "园林绿化工程有限公司",
    ],
    1: [
        "科技有限公司",
        "医疗器械有限公司",
        "电子设备有限公司",
        "商贸有限公司",
        "信息技术有限公司",
        "办公设备有限公司",
        "仪器设备有限公司",
        "家具有限公司",
    ],
    2: [
        "物业服务有限公司",
        "工程咨询有限公司",
        "信息技术服务有限公司",
        "工程监理有限公司",
        "环境服务有限公司",
        "保安服务有限公司",
        "造价咨询有限公司",
        "软件有限公司",
    ],
}
# Project subtypes: (category, expert specialty, objects, works). Lots are drawn per subtype;
# experts are pooled by specialty.
SUBTYPES = [
    (
        "construction",
        "房屋建筑工程",
        ["教学楼", "综合楼", "门诊楼", "办公楼", "学生宿舍", "体育馆", "保障性住房"],
        ["新建工程", "改扩建工程", "维修改造工程", "加固工程"],
    ),
    (
        "construction",
        "市政工程",
        ["道路", "排水管网", "污水处理厂", "公园", "背街小巷", "老旧小区"],
        ["提升改造工程", "新建工程", "雨污分流工程", "绿化工程"],
    ),
    (
        "construction",
        "水利工程",
        ["河道", "水库", "堤防", "泵站", "灌区"],
        ["综合治理工程", "除险加固工程", "清淤工程"],
    ),
    ("construction", "交通工程", ["国道", "县道", "农村公路", "桥梁", "隧道"], ["改建工程", "大中修工程", "安防工程"]),
    ("goods", "信息化设备", ["服务器", "计算机", "网络设备", "智慧教室设备", "视频监控设备"], ["采购项目", "购置项目"]),
    ("goods", "医疗设备", ["CT机", "彩超", "检验设备", "手术室设备", "救护车"], ["采购项目", "购置项目"]),
    ("goods", "办公设备与家具", ["办公家具", "课桌椅", "复印机", "图书", "食堂设备"], ["采购项目", "购置项目"]),
    ("services", "物业与后勤服务", ["物业管理", "保洁", "食堂托管", "安保", "绿化养护"], ["服务项目", "服务采购"]),
    ("services", "工程咨询与监理", ["工程监理", "造价咨询", "勘察设计", "全过程咨询"], ["服务项目", "服务采购"]),
    ("services", "信息技术服务", ["信息系统运维", "软件开发", "数据治理", "网络安全"], ["服务项目", "服务采购"]),
]
SUPPLY_OF_SUBTYPE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
ROADS = [
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "新华路",
    "长江路",
    "黄河路",
    "文化路",
    "胜利路",
    "和平路",
    "光明路",
    "朝阳路",
    "迎宾大道",
    "滨江大道",
    "世纪大道",
    "工业路",
    "科技路",
    "创业路",
    "府前街",
    "学府路",
]


def join(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays (or scalars) as one unicode array."""
    out = np.asarray(parts[0]).astype(str)
    for p in parts[1:]:
        out = np.char.add(out, np.asarray(p).astype(str))
    return out


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` person names: a surname and one or two given-name characters (张伟, 李秀英)."""
    sur = np.asarray(SURNAMES)[rng.choice(len(SURNAMES), n, p=_SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum())]
    g = np.asarray(GIVEN)
    first = g[rng.integers(0, len(g), n)]
    second = np.where(rng.random(n) < 0.7, g[rng.integers(0, len(g), n)], "")
    return join(sur, first, second)


def trade_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct two-syllable trade names (字号) such as 宏达 or 鑫源 (distinct when n allows)."""
    s = np.asarray(TRADE_SYLLABLES)
    k = len(s)
    pairs = rng.choice(k * k, size=n, replace=n > k * k)
    return join(s[pairs // k], s[pairs % k])


def firm_names(rng: np.random.Generator, city: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Firm names 城市 + 字号 + suffix, distinct within a city (a numeral is added on a clash)."""
    n = len(city)
    suffix = np.empty(n, dtype=object)
    for s, options in SUPPLY_SUFFIXES.items():
        idx = np.flatnonzero(supply == s)
        suffix[idx] = np.asarray(options)[rng.integers(0, len(options), len(idx))]
    names = join(np.asarray(CITY_NAMES)[city % len(CITY_NAMES)], "市", trade_names(rng, n), suffix)
    return _distinct(names)


def _distinct(names: np.ndarray) -> np.ndarray:
    # Second and later copies of a name get a trade-name numeral (宏达二 ...) to stay distinct.
    _, first, inverse = np.unique(names, return_index=True, return_inverse=True)
    dup = np.flatnonzero(first[inverse] != np.arange(len(names)))
    out = names.astype(object)
    for k, i in enumerate(dup):
        city, rest = out[i].split("市", 1)
        out[i] = f"{city}市{rest[:2]}{_numeral(k % 98 + 2)}{rest[2:]}"
    return out.astype(str)


def _numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    return digits[n] if n < 10 else (digits[n // 10] if n >= 20 else "") + "十" + (digits[n % 10] if n % 10 else "")


def addresses(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """Street addresses in ``place`` (city + district names): road, number and room, distinct."""
    n = len(place)
    road = np.asarray(ROADS)[rng.integers(0, len(ROADS), n)]
    number = rng.integers(1, 999, n)
    room = rng.integers(101, 2999, n)
    out = join(place, road, number, "号", room, "室")
    _, first, inverse = np.unique(out, return_index=True, return_inverse=True)
    dup = first[inverse] != np.arange(n)
    out = out.astype(object)
    out[dup] = join(out[dup].astype(str), "-", np.flatnonzero(dup))
    return out.astype(str)
