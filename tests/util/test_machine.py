"""Unit tests for ``lstmrec.util.machine``: the fields a record of a run carries, with and without TensorFlow."""

import os
import platform

from lstmrec.util import machine


def test_describe_names_the_machine_and_its_python():
    found = machine.describe(tensorflow=False)
    assert found["cpus"] == os.cpu_count() and found["python"] == platform.python_version()
    assert found["machine"] == platform.machine() and "tensorflow" not in found


def test_describe_adds_tensorflow_version():
    import tensorflow as tf

    assert machine.describe()["tensorflow"] == tf.__version__
