"""Privacy, measured: user-level differential privacy by hand, and the attack it defends against.

Holds:

- ``dp``: per-user clipping, Gaussian noise, the privacy accountant (dp-accounting) and private counts.
- ``dpsgd``: user-level DP-SGD training of the course's model.
- ``membership``: the loss-based membership-inference attack.

Taught in chapter 11 (privacy, 数据隐私). May import: ``lstmrec.util``, ``lstmrec.data``,
``lstmrec.evaluation`` and ``lstmrec.models``.
"""

from lstmrec.privacy import dp, dpsgd, membership

__all__ = ["dp", "dpsgd", "membership"]
