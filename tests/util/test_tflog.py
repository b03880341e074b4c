"""Tests of ``lstmrec.util.tflog``: which lines are TensorFlow's logs, the quiet import, and what is kept."""

import os
import subprocess
import sys

import pytest

from lstmrec import util

# Lines TensorFlow 2.21 wrote on this course's machines (CPU only), and the GPU machine's kinds.
LOG = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796020551.902005   21212 port.cc:153] oneDNN custom operations are on.",
    "I0000 00:00:1796020551.902351   21212 cudart_stub.cc:31] Could not find cuda drivers on your machine",
    "E0000 00:00:1796020556.573690   21212 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
    "E0000 00:00:1796020557.683129   21212 util.cc:131] oneDNN supports DT_BOOL only on platforms with AVX-512.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
    "E0000 00:00:1716160000.123456    1234 cuda_dnn.cc:8310] Unable to register cuDNN factory",
    "W1129 06:10:00.000001  4321 gpu_device.cc:2344] Cannot dlopen some GPU libraries.",
]
NOT_LOG = [
    "",
    "/work/lstmrec/models.py:12: UserWarning: the course's own warning",
    "WARNING: something else",
    "E0000 is not a log line without the rest of the format",
    "Epoch 3/20 - val NDCG@10 0.1021",
]


@pytest.mark.parametrize("line", LOG)
def test_tensorflow_log_lines_are_recognised(line):
    assert util.tflog.is_log_line(line)


@pytest.mark.parametrize("line", NOT_LOG)
def test_other_lines_are_not(line):
    assert not util.tflog.is_log_line(line)


def test_log_lines_picks_them_out_of_a_text():
    text = "\n".join([NOT_LOG[1], LOG[0], NOT_LOG[4], LOG[3]])
    assert util.tflog.log_lines(text) == [LOG[0], LOG[3]]


LOG_OUT = "E0000 00:00:1796020556.573690   21212 cuda_platform.cc:52] failed call to cuInit: INTERNAL"


@pytest.mark.parametrize("outputs, lines", [
    ([], []),
    (None, []),
    ([{"output_type": "stream", "name": "stdout", "text": "Epoch 1\n"}], []),
    ([{"output_type": "stream", "name": "stderr", "text": "UserWarning: mine\n" + LOG_OUT + "\n"}], [LOG_OUT]),
    ([{"output_type": "execute_result", "data": {"text/plain": LOG_OUT}}], []),
])
def test_output_log_lines(outputs, lines):
    assert util.tflog.output_log_lines(outputs) == lines


def test_quietly_drops_log_lines_and_keeps_the_rest(capfd):
    def run():
        os.write(2, (LOG[1] + "\nkeep me\n" + LOG[0] + "\n").encode())
        return 42

    assert util.tflog.quietly(run) == 42
    assert capfd.readouterr().err == "keep me\n"


def test_quietly_writes_back_and_raises_on_error(capfd):
    def run():
        os.write(2, b"why it failed\n" + LOG[3].encode() + b"\n")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        util.tflog.quietly(run)
    assert capfd.readouterr().err == "why it failed\n"
    os.write(2, b"")  # descriptor 2 still works after the error


def run_python(code, env_changes):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"} | env_changes
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_a_plain_import_is_noisy_and_the_quiet_one_is_not():
    plain = run_python("import tensorflow", {})
    assert util.tflog.log_lines(plain.stderr), "TensorFlow no longer writes start-up lines: is tflog still needed?"
    quiet = run_python(
        "from lstmrec import util\n"
        "tf = util.tflog.import_tensorflow()\n"
        "tf.config.list_physical_devices()\n"
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "m.compile('adam', 'mse'); m.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)\n"
        "import warnings; warnings.warn('the course warns')\n"
        "print('trained')", {})
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "trained\n"
    assert util.tflog.log_lines(quiet.stderr) == [], quiet.stderr
    assert "UserWarning: the course warns" in quiet.stderr  # Python warnings are not hidden


@pytest.mark.slow
def test_a_level_set_by_the_user_is_respected():
    shown = run_python("import os; from lstmrec import util; util.tflog.import_tensorflow(); "
                       "print(os.environ['TF_CPP_MIN_LOG_LEVEL'])", {"TF_CPP_MIN_LOG_LEVEL": "1"})
    assert shown.stdout == "1\n"
