"""bidgraph inspect draw|record|list: random inspections (双随机、一公开) with a recorded seed."""

from __future__ import annotations

from bidgraph.cases import inspections
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import LOGIN, acting_user, as_acting_user, loaded_graph, open_cases
from bidgraph.errors import InputError

COMMAND = Command("inspect", "random inspections / 双随机抽查")
register = COMMAND.register


@COMMAND.action(
    "draw projects or firms and officers at random / 随机抽取",
    arg("--target", choices=inspections.TARGETS, default="project", help="project 项目 or firm 企业"),
    arg("--n", type=int, required=True, help="how many to draw / 抽取数量"),
    arg("--officers", required=True, metavar="A,B,...", help="the officers' pool (accounts) / 执法人员库"),
    arg("--officers-n", type=int, default=2, help="officers to draw (default 2) / 抽取执法人员数"),
    arg("--region", metavar="CODE", help="pool: this county only (county accounts: theirs) / 区县"),
    arg("--category", help="pool: projects of this category / 项目类别"),
    arg("--procedure", help="pool: projects of this procedure / 采购方式"),
    arg("--seed", type=int, help="repeat a draw with this seed (default: a new random seed, recorded) / 随机种子"),
    LOGIN,
)
def handle_draw(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    if actor.region_code and args.region not in (None, actor.region_code):
        raise InputError(f"you may draw only in your region {actor.region_code} / 只能在本区县抽取")
    region = args.region or actor.region_code
    graph, index = loaded_graph(args, required=True)
    tables = graph.snapshot()
    equal = {k: v for k, v in (("category", args.category), ("procedure", args.procedure)) if v}
    if args.target == "project":
        pool = inspections.project_pool(tables, region, **equal)
    elif equal:
        raise InputError("--category and --procedure filter projects, not firms / 该筛选条件仅适用于项目")
    else:
        pool = inspections.firm_pool(tables, index, region)
    filters = {"region": region, **equal}
    officers = [name.strip() for name in args.officers.split(",") if name.strip()]
    request = inspections.DrawRequest(args.target, pool, args.n, officers, args.officers_n, filters)
    drawn = inspections.draw(store, actor, request, seed=args.seed)
    print(
        f"{drawn['id']}: seed {drawn['seed']}, {len(pool)} in the pool / 随机种子 {drawn['seed']}，对象库 {len(pool)} 个"
    )
    print(f"  drawn 抽中: {', '.join(drawn['items'])}")
    print(f"  officers 执法人员: {', '.join(drawn['officers'])}")
    return 0


@COMMAND.action(
    "record the result for one drawn item / 录入检查结果",
    arg("inspection", help="inspection id, e.g. I-000001"),
    arg("item", help="project or firm id / 被抽查对象"),
    arg("--result", required=True, choices=inspections.RESULTS, help="no_problem 未发现问题, problem 发现问题"),
    arg("--note", required=True, help="what was found / 检查情况"),
    LOGIN,
)
def handle_record(args) -> int:
    done = as_acting_user(args, inspections.record_result, args.inspection, args.item, args.result, args.note)
    publish_by = next(r["publish_by"] for r in done["results"] if r["item_id"] == args.item)
    print(f"{args.item} of {done['id']}: {args.result}; publish by {publish_by} / 请于 {publish_by} 前公开")
    return 0


@COMMAND.action("inspections of your region / 抽查记录", LOGIN)
def handle_list(args) -> int:
    for i in as_acting_user(args, inspections.list_inspections):
        print(
            f"{i['id']}\t{i['target']}\tseed {i['seed']}\t{i['drawn_on']}\t{', '.join(i['items'])}\t"
            f"officers {', '.join(i['officers'])}\t{len(i['results'])}/{len(i['items'])} results"
        )
    return 0
