"""One look for every figure of the course: a colour per model, held across chapters.

Used by every chapter that plots.
"""

from __future__ import annotations

MODEL_COLORS: dict[str, str] = {
    "Most popular": "#7f7f7f",
    "Item-kNN": "#1f77b4",
    "Co-occurrence": "#17becf",
    "Markov chain": "#2ca02c",
    "SimpleRNN": "#d62728",
    "GRU": "#9467bd",
    "LSTM": "#ff7f0e",
    "Logistic regression": "#8c564b",
    "Repeat last period": "#bcbd22",
}
"""Model name -> colour; other names get seaborn's default palette."""


def setup_style() -> None:
    """Seaborn's white grid, readable font sizes, figures sized for a notebook."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams["figure.figsize"] = (7.0, 4.0)
    plt.rcParams["figure.dpi"] = 100


def palette(names) -> dict[str, str]:
    """A colour for each model name: the course's own where it has one.

    Other names get tab10 colours not already used by a name in ``names``
    (tab10 holds the course's colours), then husl colours: every name its own.
    """
    import seaborn as sns

    names = list(dict.fromkeys(names))  # distinct, in order
    taken = {MODEL_COLORS[name] for name in names if name in MODEL_COLORS}
    free = [colour for colour in sns.color_palette("tab10", 10).as_hex() if colour not in taken]
    missing = sum(name not in MODEL_COLORS for name in names) - len(free)
    extra = iter(free + (sns.color_palette("husl", missing).as_hex() if missing > 0 else []))
    return {name: MODEL_COLORS.get(name) or next(extra) for name in names}
