"""One evaluation run: tune on a split inside train, fit on train, score on test."""

import time

import numpy as np
import pandas as pd

from ..algorithms.base import top_k
from . import EvaluationError
from .metrics import coverage_at_k, ndcg_at_k, recall_at_k
from .models import SPECS
from .protocol import VARIANTS, clean, read_file, split

VALIDATION_DAYS = 56  # the last eight weeks of train validate hyper-parameters


def recommend(scorer, data, users, variant, k, batch=1024):
    """Top-``k`` item indices per user; "discovery" leaves out what the user bought in train."""
    lists = []
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        scores = np.asarray(scorer.score(chunk, variant), dtype=np.float64)
        exclude = data.matrix[chunk] if variant == "discovery" else None
        best = top_k(scores, k, exclude)
        if exclude is not None:
            # A user who bought almost everything could get excluded items as filler.
            masked = exclude.toarray() > 0
            lists.extend(
                [i for i in row if not masked[n, i]] for n, row in enumerate(best.tolist())
            )
        else:
            lists.extend(best.tolist())
    return lists


def score_lists(lists, data, users, variant, k):
    targets = data.targets[variant]
    recall10 = np.mean(
        [recall_at_k(lst, targets[u], 10) for lst, u in zip(lists, users, strict=True)]
    )
    recall = np.mean([recall_at_k(lst, targets[u], k) for lst, u in zip(lists, users, strict=True)])
    ndcg = np.mean([ndcg_at_k(lst, targets[u], k) for lst, u in zip(lists, users, strict=True)])
    coverage = coverage_at_k(lists, len(data.items), k)
    return {
        "recall@10": round(float(recall10), 4),
        f"recall@{k}": round(float(recall), 4),
        f"ndcg@{k}": round(float(ndcg), 4),
        f"coverage@{k}": round(float(coverage), 4),
    }


def tune(spec, purchases, split_date, variants, k, log):
    """Per variant, the grid point with the best Recall@k on the last weeks of train."""
    if len(spec.grid) == 1:
        return dict.fromkeys(variants, spec.grid[0])
    inner_date = split_date - pd.Timedelta(days=VALIDATION_DAYS)
    inner = split(purchases[purchases["timestamp"] < split_date], inner_date)
    best = {}
    for params in spec.grid:
        scorer = spec.build(inner, params)
        for variant in variants:
            users = inner.test_users(variant)
            if not len(users):
                continue
            lists = recommend(scorer, inner, users, variant, k)
            recall = np.mean(
                [
                    recall_at_k(lst, inner.targets[variant][u], k)
                    for lst, u in zip(lists, users, strict=True)
                ]
            )
            if variant not in best or recall > best[variant][0]:
                best[variant] = (recall, params)
        log(f"  tuned {spec.name} {params}")
    return {variant: best.get(variant, (0, spec.grid[0]))[1] for variant in variants}


def evaluate(path_or_frame, split_date, k=20, variants=VARIANTS, models=None, log=None):
    """The result dict printed by ``duken recs evaluate --json``."""
    log = log or (lambda message: None)
    if k < 1:
        raise EvaluationError("K must be at least 1.")
    raw = read_file(path_or_frame) if not isinstance(path_or_frame, pd.DataFrame) else path_or_frame
    purchases = clean(raw)
    split_date = pd.Timestamp(split_date)
    data = split(purchases, split_date)
    train_only = purchases[purchases["timestamp"] < split_date]
    result = {
        "split_date": f"{split_date:%Y-%m-%d}",
        "k": k,
        "train_rows": len(data.train),
        "test_rows": len(data.test),
        "items": len(data.items),
        "variants": {v: {"users": len(data.targets[v]), "models": {}} for v in variants},
        "tuning": {},
    }
    specs = [s for s in SPECS if models is None or s.name in models]
    for spec in specs:
        wanted = [v for v in variants if v in spec.variants and data.targets[v]]
        if not wanted:
            continue
        started = time.monotonic()
        chosen = tune(spec, train_only, split_date, wanted, k, log)
        tuning_seconds = time.monotonic() - started
        fitted = {}
        for variant in wanted:
            key = repr(sorted(chosen[variant].items()))
            if key not in fitted:
                started = time.monotonic()
                scorer = spec.build(data, chosen[variant])
                fitted[key] = (scorer, time.monotonic() - started)
            scorer, seconds = fitted[key]
            users = data.test_users(variant)
            lists = recommend(scorer, data, users, variant, k)
            figures = score_lists(lists, data, users, variant, k)
            figures["train_seconds"] = round(seconds, 2)
            result["variants"][variant]["models"][spec.name] = figures
            log(f"{variant:9} {spec.name:10} {figures}")
        if len(spec.grid) > 1:
            result["tuning"][spec.name] = {
                "params": {v: chosen[v] for v in wanted},
                "seconds": round(tuning_seconds, 2),
            }
    return result
