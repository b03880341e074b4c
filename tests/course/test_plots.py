"""Unit tests for ``lstmrec.course.plots``: the course's colours and figure style.

Runs on matplotlib's Agg backend (no display). ``setup_style`` changes
matplotlib's global settings, so its test restores them afterwards.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstmrec import course


def test_known_names_get_the_course_colour():
    assert course.plots.palette(["LSTM", "GRU", "Most popular"]) == {"LSTM": "#ff7f0e", "GRU": "#9467bd",
                                                             "Most popular": "#7f7f7f"}


def test_every_course_model_has_its_own_colour():
    assert len(set(course.plots.MODEL_COLORS.values())) == len(course.plots.MODEL_COLORS)
    assert course.plots.palette(list(course.plots.MODEL_COLORS)) == course.plots.MODEL_COLORS


def test_palette_keeps_the_order_of_the_names():
    names = ["Markov chain", "my model", "SimpleRNN", "another"]
    assert list(course.plots.palette(names)) == names


def test_unknown_names_get_distinct_valid_colours():
    colours = course.plots.palette(["model A", "model B", "model C"])
    assert len(set(colours.values())) == 3
    assert all(mcolors.is_color_like(c) for c in colours.values())


@pytest.mark.parametrize("known", [["Item-kNN"], ["LSTM", "GRU", "SimpleRNN"], list(course.plots.MODEL_COLORS)],
                         ids=["one", "three", "all"])
def test_unknown_names_never_take_a_colour_already_in_the_figure(known):
    # tab10, seaborn's default, holds every course colour: an unknown name must skip those in use
    names = known + ["LSTM + attention", "my model"]
    colours = course.plots.palette(names)
    assert len(set(colours.values())) == len(names)
    assert all(colours[name] == course.plots.MODEL_COLORS[name] for name in known)


def test_more_unknown_names_than_tab10_colours():
    names = [f"variant {i}" for i in range(12)] + ["LSTM"]
    colours = course.plots.palette(names)
    assert len(set(colours.values())) == 13
    assert colours["LSTM"] == "#ff7f0e"
    assert all(mcolors.is_color_like(c) for c in colours.values())


def test_palette_is_deterministic_and_accepts_any_iterable():
    assert course.plots.palette(n for n in ["x", "LSTM"]) == course.plots.palette(["x", "LSTM"])


def test_palette_of_nothing():
    assert course.plots.palette([]) == {}


def test_setup_style_runs_and_sets_the_figure_size():
    with matplotlib.rc_context():  # setup_style changes global settings: restored on leaving
        course.plots.setup_style()
        assert tuple(plt.rcParams["figure.figsize"]) == (7.0, 4.0)
        assert plt.rcParams["figure.dpi"] == 100
        assert plt.rcParams["axes.grid"] is True  # seaborn's whitegrid
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], color=course.plots.palette(["LSTM"])["LSTM"])
        fig.canvas.draw()  # renders on Agg without a display
        plt.close(fig)


# --- grouped_bars ------------------------------------------------------------------------------------


@pytest.fixture
def tie_table():
    import pandas as pd

    table = pd.DataFrame({"shuffled": [0.03, 0.08, 0.10], "item-id order": [0.02, 0.081, float("nan")]},
                         index=["Most popular", "Markov chain", "my model"])
    low = pd.DataFrame({"shuffled": [0.029, 0.07]}, index=["Most popular", "Markov chain"])
    high = pd.DataFrame({"shuffled": [0.04, 0.081]}, index=["Most popular", "Markov chain"])
    return table, low, high


def _bars(ax):
    return [p for p in ax.patches if p.get_width() > 0]


def test_grouped_bars_one_bar_per_value_in_the_model_colour(tie_table):
    table, _, _ = tie_table
    ax = course.plots.grouped_bars(table)
    bars = _bars(ax)
    assert len(bars) == 5  # six values, one NaN
    colours = course.plots.palette(table.index)
    for bar in bars:
        model = table.index[round(bar.get_y() + bar.get_height() / 2)]  # the row the bar sits in
        assert mcolors.to_hex(bar.get_facecolor()) == colours[model]
        assert bar.get_width() in table.loc[model].tolist()
    hatches = {bar.get_width(): bar.get_hatch() for bar in bars}
    assert hatches[0.03] == course.plots.HATCHES[0] and hatches[0.02] == course.plots.HATCHES[1]  # condition = hatching
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table.index)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted: the first model at the top
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["shuffled", "item-id order"]
    plt.close(ax.figure)


def test_grouped_bars_whiskers_where_low_and_high_are_given(tie_table):
    table, low, high = tie_table
    ax = course.plots.grouped_bars(table, low, high, range_label="5 tie seeds")
    spans = sorted(tuple(line.get_xdata()) for line in ax.lines if line.get_ydata()[0] == line.get_ydata()[1])
    assert spans == [(0.029, 0.04), (0.07, 0.081)]  # two models with a range, none for the NaN or the missing row
    assert len(ax.lines) == 6  # each whisker: a span and two caps
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "5 tie seeds"
    plt.close(ax.figure)


def test_grouped_bars_puts_its_legend_where_asked(tie_table):
    table, low, high = tie_table
    ax = course.plots.grouped_bars(table, low, high, legend_loc="lower right")
    assert ax.get_legend()._loc == 4  # matplotlib's code for "lower right"
    plt.close(ax.figure)


def test_grouped_bars_draws_on_a_given_axes_and_renders(tie_table):
    table, low, high = tie_table
    fig, ax = plt.subplots()
    assert course.plots.grouped_bars(table, low, high, ax=ax) is ax
    fig.canvas.draw()
    plt.close(fig)


@pytest.mark.parametrize("change, message", [
    (lambda t, lo, hi: (t, lo, None), "give both low and high"),
    (lambda t, lo, hi: (t.assign(**{f"c{i}": 0.1 for i in range(4)}), None, None), "at most 4 can be told apart"),
    (lambda t, lo, hi: (t.rename(index={"my model": "Markov chain"}), None, None), "duplicate model names"),
], ids=["low-without-high", "too-many-conditions", "duplicate-models"])
def test_grouped_bars_invalid_arguments(tie_table, change, message):
    table, low, high = change(*tie_table)
    with pytest.raises(ValueError, match=message):
        course.plots.grouped_bars(table, low, high)
    plt.close("all")
