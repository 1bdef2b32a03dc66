"""Quality and speed of the event meeting scheduler (matchmaker.events.scheduler) on generated events.

    python benchmarks/scheduler.py [--sizes 100 300 600] [--time-limit 10] [--workers N] [--seed 7]

Each generated event has 60 % enterprises and 40 % schools; every participant sends about five
meeting requests to the other side (no pair twice), with weights 1.00–5.00 (two decimals, so
they are scaled exactly), and 30 % of participants are away for one to three random slots.

- "balanced": 12 slots, tables = participants / 5, request targets uniform;
- "crowded": 10 slots, tables = participants / 8, and targets skewed (Zipf, s = 1) so a few
  popular schools and enterprises are asked by many — their slots run out first.

For each event, with and without --fair, the table shows the solve time, the objective, the
gap to the solver's bound, the weight-first greedy baseline (same run) and the CP-SAT gain over
it, the share of the requests that got scheduled, and the fewest meetings any participant
(who could have one) got. Prints a markdown table with the machine, the command and the
OR-Tools version.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ortools  # noqa: E402

from matchmaker.events.scheduler import (  # noqa: E402
    EventInstance,
    MeetingRequest,
    Participant,
    Slot,
    default_workers,
    greedy_schedule,
    schedule,
)

VARIANTS = {  # name: (slots, participants per table, Zipf exponent of the request targets)
    "balanced": (12, 5, 0.0),
    "crowded": (10, 8, 1.0),
}


def generate(participants: int, variant: str, seed: int) -> EventInstance:
    """A generated event; the same arguments give the same event."""
    slot_count, per_table, skew = VARIANTS[variant]
    rng = random.Random(f"{seed}-{participants}-{variant}")
    slots = [
        Slot(f"s{i + 1}", f"{13 + i // 4:02d}:{i % 4 * 15:02d}", f"{13 + (i + 1) // 4:02d}:{(i + 1) % 4 * 15:02d}")
        for i in range(slot_count)
    ]
    enterprises = [f"E{i + 1}" for i in range(round(participants * 0.6))]
    schools = [f"S{i + 1}" for i in range(participants - len(enterprises))]
    people = []
    for ident in enterprises + schools:
        away = rng.sample([s.id for s in slots], rng.randint(1, 3)) if rng.random() < 0.3 else []
        people.append(Participant(ident, tuple(away)))
    requests: list[MeetingRequest] = []
    pairs: set[tuple[str, str]] = set()
    for sender in enterprises + schools:
        others = schools if sender.startswith("E") else enterprises
        popularity = [1 / (rank + 1) ** skew for rank in range(len(others))]
        wanted = rng.choice([3, 4, 5, 5, 6, 7])
        for _ in range(wanted * 4):  # a few tries: popular targets repeat
            if wanted == 0:
                break
            target = rng.choices(others, popularity)[0]
            pair = tuple(sorted((sender, target)))
            if pair not in pairs:
                pairs.add(pair)
                requests.append(MeetingRequest(f"r{len(requests) + 1}", sender, target, round(rng.uniform(1, 5), 2)))
                wanted -= 1
    return EventInstance(slots, max(1, participants // per_table), people, requests)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 600])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--time-limit", type=float, default=10.0, help="Solver seconds per run.")
    parser.add_argument("--workers", type=int, default=default_workers(), help="CP-SAT search workers.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generator and of CP-SAT.")
    parser.add_argument("--no-lp", action="store_true", help="CP-SAT alone, without the LP relaxation step.")
    args = parser.parse_args()

    print(f"Machine: {machine()}  ")
    print(f"Command: `python {shlex.join(['benchmarks/scheduler.py', *sys.argv[1:]])}`  ")
    print(
        f"OR-Tools {ortools.__version__}, {'CP-SAT alone' if args.no_lp else 'GLOP LP relaxation + CP-SAT'} "
        f"with {args.workers} workers, random_seed {args.seed}, time limit {args.time_limit:g} s\n"
    )
    print(
        "| event | participants | requests | tables×slots | mode | status | seconds | objective | gap to bound "
        "| greedy | gain over greedy | scheduled | fewest meetings (greedy) |"
    )
    print("|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for variant in args.variants:
        for size in args.sizes:
            instance = generate(size, variant, args.seed)
            greedy = greedy_schedule(instance)
            for fair in (False, True):
                result = schedule(
                    instance,
                    time_limit=args.time_limit,
                    fair=fair,
                    num_workers=args.workers,
                    seed=args.seed,
                    lp_relaxation=not args.no_lp,
                )
                status = result.status if not fair else "/".join(stage.status for stage in result.stages)
                gain = (result.objective / greedy.objective - 1) if greedy.objective else 0.0
                print(
                    f"| {variant} | {size} | {len(instance.requests)} | {instance.tables}×{len(instance.slots)} "
                    f"| {'fair' if fair else 'weight'} | {status} | {result.seconds:.2f} "
                    f"| {result.objective:.2f} | {result.gap:.3%} | {greedy.objective:.2f} | {gain:+.2%} "
                    f"| {len(result.meetings) / len(instance.requests):.1%} "
                    f"| {result.min_meetings} ({greedy.min_meetings}) |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
