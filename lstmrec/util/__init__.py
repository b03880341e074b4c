"""The bottom layer: paths, safe file writes, progress lines, TensorFlow's log lines, the machine.

Holds:

- ``paths``: the repository, its ``data/`` and ``results/`` folders (computed once).
- ``files``: checksums, atomic writes, archive members that cannot escape, generated sections of a text file.
- ``progress``: epoch lines and progress bars while someone watches, one line per model when no one does.
- ``tflog``: TensorFlow imported without its start-up log lines, and those lines recognised.
- ``machine``: what a run was measured on (every record of times or trained figures carries it).

Taught in chapter 00 (how the data is obtained safely); used by every other layer.
May import: nothing of ``lstmrec``.
"""

from lstmrec.util import files, machine, paths, progress, tflog

__all__ = ["files", "machine", "paths", "progress", "tflog"]
