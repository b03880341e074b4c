"""Unit tests for ``python -m lstmrec.bench`` (``lstmrec.bench.__main__``): the options it refuses, a case study and a
suite run through it with stand-ins (no data, no training), and the baselines' table on the real MovieLens-100K
when it is cached.
"""

import json
import shlex

import pytest

from lstmrec import baselines, bench, data, util
from lstmrec.bench.__main__ import build_parser, main
from tests.tiny_splits import small_split


@pytest.mark.slow
def test_bench_main_prints_and_writes_json(tmp_path, capsys):
    try:
        data.movielens.load_movielens_100k(sources=("cache",))
    except data.fetch.DataError:
        pytest.skip("MovieLens-100K is not cached under data/ (run `make data`)")
    assert main(["--baselines-only", "--ties", "item_id", "--json", str(tmp_path / "bench.json")]) == 0
    out = capsys.readouterr().out
    assert "Most popular" in out and "Markov chain" in out and "Item-kNN" in out
    assert "equal timestamps: item_id" in out
    record = bench.results.load_artefact(tmp_path / "bench.json")
    assert record["dataset"] == "ml-100k" and record["ties"] == "item_id"
    assert record["command"] == "python -m lstmrec.bench --baselines-only --ties item_id"  # not where it was written
    assert record["machine"]["cpus"] >= 1 and [r["model"] for r in record["table"]] == list(
        baselines.registry.BASELINES
    )


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--models", "RNN"], ["--models", ""], ["--dataset", "ml-10m"],
                                  ["--ties", "random"]])
def test_bench_rejects_bad_arguments(args):
    with pytest.raises(SystemExit):
        main(args)


@pytest.mark.parametrize("args", [["--dataset", "collegemsg", "--ties", "item_id"],
                                  ["--dataset", "instacart", "--baselines-only"],
                                  ["--dataset", "instacart", "--max-epochs", "0"]])
def test_case_datasets_refuse_movielens_only_options(args, capsys):
    assert main(args) == 2
    assert "--" in capsys.readouterr().err


def test_max_epochs_is_for_the_cases_only():
    with pytest.raises(SystemExit):
        main(["--dataset", "ml-100k", "--max-epochs", "3"])


def test_case_dataset_runs_through_cases_and_writes_json(monkeypatch, tmp_path, capsys):
    """--dataset collegemsg on a tiny split: bench.domains.run with a stand-in LSTM (no data, no training)."""
    from lstmrec import bench, models

    split = small_split()
    monkeypatch.setattr(bench.domains, "load", lambda key: (split, "0000"))
    seen = []

    class Popular:
        def __init__(self, s):
            self.model = baselines.popular.MostPopular().fit(s.train, s.num_items)

        def score(self, histories):
            return self.model.score(histories)

    def fake(s, checksum, config, exclude_seen=True, verbose=False):
        seen.append(config)
        return models.training.TrainedModel(Popular(s), config, {"val_NDCG@10": [0.1]}, 1, 1.0, 1.0, False)

    monkeypatch.setattr(models.training, "train",
                        lambda s, config, exclude_seen=True, verbose=None: fake(s, "", config, exclude_seen))
    out = tmp_path / "c.json"
    assert main(["--dataset", "collegemsg", "--seeds", "2", "--max-epochs", "7", "--json", str(out)]) == 0
    assert [c.max_epochs for c in seen] == [7, 7] and [c.seed for c in seen] == [42, 43]
    record = bench.results.load_artefact(out)
    assert record["command"] == "python -m lstmrec.bench --dataset collegemsg --seeds 2 --max-epochs 7"
    assert record["exclude_seen"] is False and 0 <= record["repeat_share"] <= 1
    assert {"LSTM", "LSTM + copy"} <= set(record["comparisons"])
    assert [r["seed"] for r in record["runs"] if r["model"] == "LSTM"] == [42, 43]
    assert "Repeat: blend" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--suite", "privacy", "--dataset", "ml-1m"], ["--suite", "compute", "--seeds", "2"],
                                  ["--suite", "privacy", "--cached"]])
def test_suites_refuse_other_options(args, capsys):
    assert main(args) == 2
    assert "--suite" in capsys.readouterr().err


def test_suite_runs_and_writes_json(monkeypatch, tmp_path, capsys):
    """--suite compute with a stand-in run: the record carries the command, date, machine and the suite's result."""
    from lstmrec import bench

    monkeypatch.setattr(bench.cost_sweep, "run", lambda log=print: {"points": [{"ms_per_step": 1.0}], "ml-1m": None})
    out = tmp_path / "s.json"
    assert main(["--suite", "compute", "--json", str(out)]) == 0
    record = bench.results.load_artefact(out)
    assert record["command"] == "python -m lstmrec.bench --suite compute" and record["suite"] == "compute"
    assert record["points"] == [{"ms_per_step": 1.0}]


def test_every_command_on_record_parses_with_the_current_options():
    """Each ``results/*.json`` names the command that wrote it; after a refactor that command must still run."""
    commands = {}
    for path in sorted((util.paths.repo_root() / "results").glob("*.json")):
        command = json.loads(path.read_text()).get("command", "")  # make-run.json is not a bench artefact
        if command.startswith("python -m lstmrec.bench"):
            commands[path.name] = command
    assert len(commands) >= 9, commands  # the six tables and the three suites
    parser = build_parser()
    for name, command in commands.items():
        words = shlex.split(command)[3:]
        try:
            parser.parse_args(words)
        except SystemExit as error:
            raise AssertionError(f"results/{name}: {command!r} no longer parses") from error
