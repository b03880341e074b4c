"""Compute, measured: what a position of the model costs, cheaper training, and training across processes.

Holds:

- ``cost``: floating-point operations per position, counted from the model's shapes.
- ``sampled``: the sampled softmax with the log-Q correction.
- ``distributed``: the training step under ``tf.distribute``, on 127.0.0.1 (a script: ``python -m
  lstmrec.compute.distributed``).

Taught in chapter 12 (compute, 计算资源). May import: ``lstmrec.util``, ``lstmrec.data``,
``lstmrec.evaluation`` and ``lstmrec.models``.
"""

from lstmrec.compute import cost, distributed, sampled

__all__ = ["cost", "distributed", "sampled"]
