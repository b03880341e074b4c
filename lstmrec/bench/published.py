"""Published MovieLens-1M results, with their sources: what chapter 12 sets the course's own runs beside.

Taught in chapter 12 (the converged race, under the course's tie rule and the
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
"""

from __future__ import annotations

import dataclasses


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
