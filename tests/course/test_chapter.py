"""Unit tests for ``lstmrec.course.chapter``: the chapters' reports, the version checks, and the Python versions the
Makefile and CI accept.
"""

import json

import pytest

from lstmrec import course, util


def test_report_writes_and_merges_json(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMREC_REPORT_DIR", str(tmp_path))
    assert course.chapter.report("01_x", hr=0.123456) == {"hr": 0.1235}
    course.chapter.report("01_x", users=943)
    assert json.loads((tmp_path / "01_x.json").read_text()) == {"hr": 0.1235, "users": 943}
    assert not list(tmp_path.glob("*.part"))


def test_report_without_runner_only_returns(monkeypatch, tmp_path):
    monkeypatch.delenv("LSTMREC_REPORT_DIR", raising=False)
    assert course.chapter.report("01_x", n=1) == {"n": 1}


def test_check_versions_names_the_wrong_package(monkeypatch):
    real = course.chapter.metadata.version
    monkeypatch.setattr(course.chapter.metadata, "version", lambda name: "0.0.1" if name == "pandas" else real(name))
    with pytest.raises(RuntimeError, match=r"pandas 0\.0\.1 \(the course pins"):
        course.chapter.check_versions()


@pytest.mark.parametrize("version, ok", [((3, 10, 13), False), ((3, 11, 7), True), ((3, 12, 1), True),
                                         ((3, 13, 0), True), ((3, 14, 0), False)])
def test_check_versions_accepts_python_3_11_to_3_13(monkeypatch, version, ok):
    monkeypatch.setattr(course.chapter.sys, "version_info", version)
    if ok:
        assert "numpy" in course.chapter.check_versions()
    else:
        with pytest.raises(RuntimeError, match=r"tested on Python 3\.11, 3\.12 and 3\.13"):
            course.chapter.check_versions()


def test_makefile_names_the_versions_course_accepts():
    makefile = (util.paths.repo_root() / "Makefile").read_text()
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in makefile
    assert course.chapter.PYTHONS == ((3, 11), (3, 12), (3, 13))
    for version in course.chapter.PYTHONS:
        assert "python%d.%d" % version in makefile


def test_ci_workflow_runs_make_test_on_every_supported_python():
    import yaml

    workflow = yaml.safe_load((util.paths.repo_root() / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["%d.%d" % v for v in course.chapter.PYTHONS]
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith("make test") for run in runs)
    uses = [step.get("uses", "") + str(step.get("with", {})) for step in job["steps"]]
    assert any("setup-python" in u and "'cache': 'pip'" in u for u in uses), "pip is cached"
    assert any("actions/cache" in u and "data/*" in u for u in uses), "the data folder is cached"
