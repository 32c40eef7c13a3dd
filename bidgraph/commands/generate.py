"""``bidgraph generate OUT``: write a synthetic city (bundle + truth.json) for tests and demos."""

from __future__ import annotations

import time

from bidgraph.citygen.scales import REALISM, SCALES
from bidgraph.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generate",
        help="write a synthetic procurement bundle with planted schemes / 生成含预置串标案例的模拟数据",
        description=(
            "Generate a synthetic city: an input bundle (one CSV per table) and truth.json listing "
            "every planted scheme and decoy. 生成模拟城市：输入数据包（每表一个 CSV）和记录全部预置"
            "案例与干扰项的 truth.json。"
        ),
    )
    p.add_argument("out", metavar="OUT", help="folder to write (created if missing) / 输出文件夹（不存在则创建）")
    p.add_argument(
        "--scale",
        choices=list(SCALES),
        default="small",
        help=(
            "small ≈ 1,500 bids, city ≈ 20,000, province ≈ 1,000,000 bids and 200,000 "
            "organizations (default small) / 规模：small 约1500条投标，city 约2万条，province 约100万条、"
            "20万家单位（默认 small）"
        ),
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed; the same seed writes identical files (default 0) / 随机种子，相同种子生成相同文件（默认0）",
    )
    p.add_argument(
        "--realism",
        choices=list(REALISM),
        default="default",
        help=(
            "hard adds specialty niches, consultancies, corporate groups and consortia, serviced "
            "offices, thin records, loose rings and legal change orders (default: default) / "
            "真实度：hard 加入专业细分市场、标书代编机构、集团联合体、集中注册地址、缺失记录、松散围标和合法合同变更"
        ),
    )
    p.set_defaults(func=handler)


def handler(args) -> int:
    from bidgraph.citygen import generate_city

    start = time.perf_counter()
    try:
        truth = generate_city(args.out, scale=args.scale, seed=args.seed, realism=args.realism)
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    rows = truth["meta"]["counts"]["rows"]
    print(
        f"wrote {args.out}: {rows['organizations']:,} organizations, {rows['lots']:,} lots, "
        f"{rows['bids']:,} bids; {len(truth['rings'])} rings planted; truth.json beside them "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0
