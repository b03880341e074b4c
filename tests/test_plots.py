"""Unit tests for ``lstmrec.plots``: the course's colours and figure style.

Runs on matplotlib's Agg backend (no display). ``setup_style`` changes
matplotlib's global settings, so its test restores them afterwards.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstmrec import plots  # noqa: E402


def test_known_names_get_the_course_colour():
    assert plots.palette(["LSTM", "GRU", "Most popular"]) == {"LSTM": "#ff7f0e", "GRU": "#9467bd",
                                                             "Most popular": "#7f7f7f"}


def test_every_course_model_has_its_own_colour():
    assert len(set(plots.MODEL_COLORS.values())) == len(plots.MODEL_COLORS)
    assert plots.palette(list(plots.MODEL_COLORS)) == plots.MODEL_COLORS


def test_palette_keeps_the_order_of_the_names():
    names = ["Markov chain", "my model", "SimpleRNN", "another"]
    assert list(plots.palette(names)) == names


def test_unknown_names_get_distinct_valid_colours():
    colours = plots.palette(["model A", "model B", "model C"])
    assert len(set(colours.values())) == 3
    assert all(mcolors.is_color_like(c) for c in colours.values())


@pytest.mark.parametrize("known", [["Item-kNN"], ["LSTM", "GRU", "SimpleRNN"], list(plots.MODEL_COLORS)],
                         ids=["one", "three", "all"])
def test_unknown_names_never_take_a_colour_already_in_the_figure(known):
    # tab10, seaborn's default, holds every course colour: an unknown name must skip those in use
    names = known + ["LSTM + attention", "my model"]
    colours = plots.palette(names)
    assert len(set(colours.values())) == len(names)
    assert all(colours[name] == plots.MODEL_COLORS[name] for name in known)


def test_more_unknown_names_than_tab10_colours():
    names = [f"variant {i}" for i in range(12)] + ["LSTM"]
    colours = plots.palette(names)
    assert len(set(colours.values())) == 13
    assert colours["LSTM"] == "#ff7f0e"
    assert all(mcolors.is_color_like(c) for c in colours.values())


def test_palette_is_deterministic_and_accepts_any_iterable():
    assert plots.palette(n for n in ["x", "LSTM"]) == plots.palette(["x", "LSTM"])


def test_palette_of_nothing():
    assert plots.palette([]) == {}


def test_setup_style_runs_and_sets_the_figure_size():
    with matplotlib.rc_context():  # setup_style changes global settings: restored on leaving
        plots.setup_style()
        assert tuple(plt.rcParams["figure.figsize"]) == (7.0, 4.0)
        assert plt.rcParams["figure.dpi"] == 100
        assert plt.rcParams["axes.grid"] is True  # seaborn's whitegrid
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], color=plots.palette(["LSTM"])["LSTM"])
        fig.canvas.draw()  # renders on Agg without a display
        plt.close(fig)
