"""``duken recs evaluate``: offline evaluation of Duken's ranker against the baselines."""

import json
import time

from django.core.management.base import CommandError

from duken.recommendations.evaluation import EvaluationError

HELP = (
    "Evaluate Duken's ranker and the baselines (popularity, repeat, item-kNN, ALS, EASE, "
    "RP3beta) offline on a file in the Online Retail format, split by date."
)
VARIANT_CHOICES = ("all", "discovery", "both")


def add_arguments(parser):
    parser.add_argument(
        "--data",
        required=True,
        help="parquet, CSV or spreadsheet (.xlsx, .xls, .ods) file with the Online Retail columns",
    )
    parser.add_argument(
        "--split-date",
        required=True,
        help="YYYY-MM-DD: train = rows before this day, test = rows from it on",
    )
    parser.add_argument("--k", type=int, default=20, help="list length (default 20)")
    parser.add_argument(
        "--variant",
        choices=VARIANT_CHOICES,
        default="both",
        help="all: every item counts; discovery: only items new to the customer; both (default)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def handle(command, options):
    from duken.recommendations.evaluation.protocol import VARIANTS, parse_date
    from duken.recommendations.evaluation.runner import evaluate

    variants = VARIANTS if options["variant"] == "both" else (options["variant"],)
    as_json = options["json"]
    verbose = options.get("verbosity", 1) >= 2 and not as_json
    started = time.monotonic()
    try:
        split_date = parse_date(options["split_date"])
        result = evaluate(
            options["data"],
            split_date,
            k=options["k"],
            variants=variants,
            log=command.stderr.write if verbose else None,
        )
    except EvaluationError as exc:
        raise CommandError(str(exc)) from None
    result["seconds"] = round(time.monotonic() - started, 1)
    if as_json:
        command.stdout.write(json.dumps(result))
        return
    command.stdout.write(render_table(result))


def render_table(result):
    k = result["k"]
    columns = ("recall@10", f"recall@{k}", f"ndcg@{k}", f"coverage@{k}", "train_seconds")
    lines = [
        f"Split {result['split_date']}: {result['train_rows']} train rows, "
        f"{result['test_rows']} test rows, {result['items']} items; K = {k}."
    ]
    for variant, block in result["variants"].items():
        lines.append("")
        lines.append(f"{variant} ({block['users']} test users)")
        lines.append(f"  {'model':<12}" + "".join(f"{c:>15}" for c in columns))
        for model, figures in block["models"].items():
            cells = "".join(f"{figures[c]:>15.4f}" for c in columns[:-1])
            lines.append(f"  {model:<12}{cells}{figures['train_seconds']:>15.2f}")
    for model, tuned in result.get("tuning", {}).items():
        lines.append("")
        lines.append(f"Tuned {model} in {tuned['seconds']} s on the last weeks of train:")
        for variant, params in tuned["params"].items():
            lines.append(f"  {variant}: {params}")
    lines.append("")
    lines.append(f"Done in {result['seconds']} s.")
    return "\n".join(lines)
