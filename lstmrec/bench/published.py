"""Published MovieLens-1M results, with their sources: what chapter 13 sets the course's own runs beside.

Taught in chapter 13 (the converged race, under the course's tie rule and the
published one); a leaf module of the bench. Every row is a figure from a
public table, copied with where it is (repository, file, commit) and on what
data: full-catalogue ranking of each user's last rating (leave-one-out), the
user's earlier ratings excluded, HR@10 (which these tables call Recall@10: one
target per user makes the two equal) and NDCG@10.

The data differ. ``3416`` items is BERT4Rec's preprocessed ML-1M (items with
fewer than 5 ratings dropped); ``3706`` is the raw ``ratings.dat``, as the
course loads it. Neither orders same-second ratings at random: eSASRec keeps
the file's order, and the others take the order of their preprocessed files.
That is the course's ``--ties source`` protocol on the 3,706 items, not its
own seeded shuffle (``data.ties``), so only the eSASRec rows share the course's
catalogue, and no row shares its tie rule.

``run`` trains the course's SASRec at SASRec+'s settings under that protocol,
in both of its layouts (``models.attention``), and sets it beside these rows:
can the course's code reproduce them? Each run is recorded in ``results/runs/``
as it ends; the suite joins ``bench.suites`` once all of them are.
"""

from __future__ import annotations

import dataclasses
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Published:
    """One published row.

    Attributes:
        model: the model as its table names it.
        loss: how it was trained (full softmax, sampled softmax, binary cross-entropy with negatives...).
        hr10: HR@10 (Recall@10 with one target per user).
        ndcg10: NDCG@10.
        items: the catalogue: 3,416 (BERT4Rec's preprocessed ML-1M) or 3,706 (the raw ratings.dat).
        source: where the row is: ``owner/repository``, file, commit.
        work: the paper or benchmark.
    """

    model: str
    loss: str
    hr10: float
    ndcg10: float
    items: int
    source: str
    work: str


_SASREC_PLUS = ("antklen/sasrec-bert4rec-recsys23, README.md (MovieLens-1m table), commit 29c272e",
                "Klenitskiy & Vasilev, Turning Dross Into Gold Loss: Is BERT4Rec Really Better than SASRec? "
                "RecSys 2023")
_ESASREC = ("blondered/transformer_benchmark, README.md (ML-1M row), commit 2b03992",
            "eSASRec: Enhancing Transformer-based Recommendations in a Modular Fashion (transformer_benchmark), 2025")
_GSASREC = ("asash/gSASRec-pytorch, README.md (ML-1M results), commit 25c9abc",
            "Petrov & Macdonald, gSASRec: Reducing Overconfidence in Sequential Recommendation Trained with "
            "Negative Sampling, RecSys 2023")

ROWS: tuple[Published, ...] = (
    Published("SASRec+", "full softmax (cross-entropy over every item)", 0.3152, 0.1821, 3416, *_SASREC_PLUS),
    Published("BERT4Rec", "masked items, full softmax", 0.2843, 0.1537, 3416, *_SASREC_PLUS),
    Published("SASRec", "binary cross-entropy, one negative", 0.2500, 0.1341, 3416, *_SASREC_PLUS),
    Published("gSASRec", "gBCE, 128 negatives", 0.3003, 0.1726, 3416, *_GSASREC),
    Published("eSASRec", "sampled softmax, 256 negatives", 0.3133, 0.1772, 3706, *_ESASREC),
    Published("SASRec+SS", "sampled softmax", 0.2929, 0.1684, 3706, *_ESASREC),
)
"""The published ML-1M rows, as their tables give them (one run each; none gives an interval)."""

SASREC_PLUS_SETTINGS = {"max_len": 200, "num_blocks": 2, "num_heads": 1, "hidden_dim": 64, "dropout": 0.1,
                        "lr": 0.001, "batch_size": 128, "max_epochs": 100, "patience": 10}
"""SASRec+'s settings (src/configs/SASRec.yaml of its repository): Adam, seen items filtered at scoring time."""


def table(items: int | None = None) -> list[dict]:
    """The rows as dicts (``items`` keeps one catalogue), in ``ROWS``' order.

    Raises:
        ValueError: a catalogue no row has.

    Example:
        >>> [row["model"] for row in table(items=3706)]
        ['eSASRec', 'SASRec+SS']
    """
    known = sorted({row.items for row in ROWS})
    if items is not None and items not in known:
        raise ValueError(f"items={items}: the published rows are on {known} items")
    return [{"model": r.model, "loss": r.loss, "HR@10": r.hr10, "NDCG@10": r.ndcg10, "items": r.items,
             "source": r.source, "work": r.work} for r in ROWS if items is None or r.items == items]


SEEDS = (42, 43, 44)
"""The seeds of the reproduction (the published rows are one run each)."""

LAYOUTS = ("sasrec", "pre_norm")
"""The reproduction's layouts: Kang & McAuley's wiring, which SASRec+ trains, first; then the course's first one."""

TARGET = 0.1772
"""The NDCG@10 to reproduce: eSASRec's, the best published row on the course's 3,706 items and the file's order."""


def reproduction_config(layout: str, seed: int, **changes):
    """The course's SASRec on ML-1M at ``SASREC_PLUS_SETTINGS``, in ``layout``.

    The cap stays the course's (``data.registry``: 200 epochs, far above any best epoch seen), not SASRec+'s 100,
    so that early stopping, with SASRec+'s patience of 10, ends the run; ``changes`` (tests) come last.
    """
    from lstmrec import models

    settings = {name: value for name, value in SASREC_PLUS_SETTINGS.items() if name != "max_epochs"}
    return models.registry.course_config("ml-1m", "SASRec", tuned=False, **settings, layout=layout, seed=seed,
                                         **changes)


def reproduce(split, data_checksum: str, seeds=SEEDS, layouts=LAYOUTS, log: Callable[[str], None] = print,
              **changes) -> dict:
    """The course's SASRec at SASRec+'s settings on ``split``, each layout and seed trained once to early stopping.

    Each run is recorded in ``results/runs/`` (``bench.runs``), so a reproduction cut short resumes.

    Args:
        split: ML-1M's leave-one-out split under the published tie rule (``ties="source"``).
        data_checksum: its checksum.
        seeds, layouts: what to train.
        log: where each run's line goes.
        changes: more changes to ``reproduction_config`` (tests shrink the model).

    Returns:
        ``{"runs": one row per (layout, seed), "layouts": layout -> mean test NDCG@10 and HR@10 over the seeds,
        with the seeds' range}``.
    """
    import numpy as np

    from lstmrec.bench import runs as bench_runs

    rows = []
    for layout in layouts:
        for seed in seeds:
            record = bench_runs.run(split, data_checksum, reproduction_config(layout, seed, **changes))
            rows.append({"layout": layout, "seed": seed, "key": record["key"], **record["test"],
                         **{name: record[name] for name in ("valid NDCG@10", "best epoch", "epochs", "converged",
                                                            "to best s", "from record")}})
            log(f"  SASRec ({layout}), seed {seed}: test NDCG@10 {rows[-1]['NDCG@10']:.4f}, HR@10 "
                f"{rows[-1]['HR@10']:.4f}, best epoch {record['best epoch']} of {record['epochs']}"
                + ("" if record["converged"] else " (NOT CONVERGED: stopped by the cap)")
                + (" (recorded)" if record["from record"] else f", {record['to best s']:.0f} s to best"))
    summary = {}
    for layout in layouts:
        ndcg = np.array([r["NDCG@10"] for r in rows if r["layout"] == layout])
        hr = np.array([r["HR@10"] for r in rows if r["layout"] == layout])
        summary[layout] = {"seeds": len(ndcg), "NDCG@10": float(ndcg.mean()), "NDCG@10 min": float(ndcg.min()),
                           "NDCG@10 max": float(ndcg.max()), "HR@10": float(hr.mean()),
                           "reaches target": bool(ndcg.mean() >= TARGET)}
    return {"runs": rows, "layouts": summary}


def run(log: Callable[[str], None] = print) -> dict:
    """The reproduction of the published SASRec on MovieLens-1M, file order at equal timestamps (``--ties source``)."""
    from lstmrec import data

    ds = data.registry.get("ml-1m")
    loaded = ds.load(ties="source")
    split = ds.split(loaded, ties="source")
    log(f"MovieLens-1M ({split.num_items - 1} items), equal timestamps in the file's order; SASRec at SASRec+'s "
        f"settings {SASREC_PLUS_SETTINGS}, cap {reproduction_config(LAYOUTS[0], SEEDS[0]).max_epochs}; "
        f"target NDCG@10 {TARGET} (eSASRec)")
    result = reproduce(split, loaded.checksum(), log=log)
    for row in table():
        log(f"  published {row['model']} ({row['items']} items): NDCG@10 {row['NDCG@10']:.4f}, HR@10 "
            f"{row['HR@10']:.4f} ({row['source']})")
    for layout, s in result["layouts"].items():
        log(f"  course SASRec ({layout}, {s['seeds']} seeds): NDCG@10 {s['NDCG@10']:.4f} "
            f"[{s['NDCG@10 min']:.4f}, {s['NDCG@10 max']:.4f}], HR@10 {s['HR@10']:.4f}: "
            + ("reaches" if s["reaches target"] else f"{TARGET - s['NDCG@10']:.4f} short of") + f" {TARGET}")
    return {"ties": "source", "items": split.num_items - 1, "data_checksum": loaded.checksum(),
            "settings": SASREC_PLUS_SETTINGS, "target": TARGET, "published": table(), **result}
