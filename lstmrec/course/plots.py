"""One look for every figure of the course: a colour per model, held across chapters.

Used by every chapter that plots.
"""

from __future__ import annotations

import numpy as np

MODEL_COLORS: dict[str, str] = {
    "Most popular": "#7f7f7f",
    "Item-kNN": "#1f77b4",
    "Co-occurrence": "#17becf",
    "Markov chain": "#2ca02c",
    "Markov chain, 2nd order": "#98df8a",
    "Sequential rules": "#e377c2",
    "Session-kNN": "#aec7e8",
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


HATCHES = ("", "///", "...", "xxx")
"""How ``grouped_bars`` tells its conditions apart: the first solid, the next hatched."""


def grouped_bars(table, low=None, high=None, range_label: str = "range", ax=None, legend_loc: str = "best"):
    """Horizontal bars of one metric: a group per model in its course colour, a bar per condition, hatched.

    Model colours stay those of the whole course (``palette``); the conditions
    (a tie rule, a protocol) are told apart by hatching, in the order of the
    columns, and named in the legend.

    Args:
        table: DataFrame, index = model names (top to bottom), columns =
            conditions (at most ``len(HATCHES)``), values = the metric. A NaN
            draws no bar.
        low, high: optional DataFrames aligned with ``table`` (missing rows or
            columns, or NaN, draw nothing): a whisker from ``low`` to ``high``
            on the bar, e.g. the range over seeds.
        range_label: the legend's name for the whiskers.
        ax: the Axes to draw on (default: a new figure's).
        legend_loc: where the legend goes (matplotlib's ``loc``).

    Returns:
        The matplotlib Axes; set its title and axis labels.

    Raises:
        ValueError: too many conditions, only one of ``low`` and ``high``, or
            duplicate model names.

    Example:
        >>> table = pd.DataFrame({"item-id order": [0.08, 0.07], "shuffled": [0.079, 0.097]},
        ...                      index=["Markov chain", "Item-kNN"])  # doctest: +SKIP
        >>> ax = grouped_bars(table)                                  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if len(table.columns) > len(HATCHES):
        raise ValueError(f"{len(table.columns)} conditions {list(table.columns)}: at most {len(HATCHES)} can be told "
                         "apart by hatching; plot fewer columns")
    if (low is None) != (high is None):
        raise ValueError("give both low and high (the two ends of each whisker), or neither")
    if table.index.has_duplicates:
        raise ValueError(f"duplicate model names in the index: {sorted(set(table.index[table.index.duplicated()]))}")
    if ax is None:
        _, ax = plt.subplots()
    colours = palette(table.index)
    if low is not None:  # aligned with the table: a missing model or condition is NaN, no whisker
        low, high = (frame.reindex(index=table.index, columns=table.columns) for frame in (low, high))
    n = len(table.columns)
    height = 0.8 / max(n, 1)  # the bars of one model share 0.8 of its row
    whiskers = False
    for j, condition in enumerate(table.columns):
        for i, model in enumerate(table.index):
            value = table.loc[model, condition]
            if not np.isfinite(value):
                continue
            y = i - 0.4 + height * (j + 0.5)  # (row i, bar j) centre; model 0 at the top once the axis is inverted
            ax.barh(y, value, height=height, color=colours[model], hatch=HATCHES[j], edgecolor="white", linewidth=0)
            if low is None:
                continue
            lo, hi = low.loc[model, condition], high.loc[model, condition]
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([lo, hi], [y, y], color="black", linewidth=1.2, solid_capstyle="butt")
                ax.plot([lo, lo], [y - height / 4, y + height / 4], color="black", linewidth=1.2)
                ax.plot([hi, hi], [y - height / 4, y + height / 4], color="black", linewidth=1.2)
                whiskers = True
    ax.set_yticks(range(len(table.index)), list(table.index))
    ax.set_ylim(len(table.index) - 0.5, -0.5)  # the first model at the top
    handles = [Patch(facecolor="#9e9e9e", edgecolor="white", hatch=HATCHES[j], label=str(c))
               for j, c in enumerate(table.columns)]
    if whiskers:
        handles.append(Line2D([], [], color="black", linewidth=1.2, label=range_label))
    ax.legend(handles=handles, loc=legend_loc)
    return ax
