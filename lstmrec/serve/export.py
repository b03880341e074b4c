"""The deployable model: a trained recommender saved as files a server can load safely.

Taught in appendix A2 (for chapter 09); ``lstmrec.serve`` loads what this module writes.

The training model (``models.recurrent.build``) computes scores at every position and
ties its output to the embedding through a custom layer. A server needs less:
the scores after the last item of a history of any length. ``inference_model``
rebuilds the model from Keras's built-in layers only, with the trained weights:

    items (batch, T), 0 = padding on the left
      -> Embedding(num_items, E, mask_zero=True)        (batch, T, E)
      -> LSTM(H) (return_sequences=False)                (batch, H): the state after the last item
      -> Dense(E)                                        (batch, E): into the embedding space
      -> Dense(num_items, use_bias=False), kernel = E^T  (batch, num_items) logits

Dropout is left out (it is the identity at inference). The last ``Dense`` holds
a copy of the item embeddings, so scores are ``h' . e_i`` exactly as in
training. Because every layer is built in, the ``.keras`` file loads with
``safe_mode=True`` and no custom objects: no Python code stored in the file
(a ``Lambda``'s bytecode) is accepted. That is a safeguard, not a sandbox:
load only artefacts you trust, with Keras kept up to date. ``save_artefact`` writes, into one folder, atomically:

- ``model.keras``: the inference model (Keras's zip of JSON config + HDF5 weights);
- ``saved_model/``: the same model through ``model.export()``, a TensorFlow
  SavedModel with a ``serve`` signature that TF Serving can load;
- ``catalogue.json``: what the model's ids mean (raw MovieLens ids, titles),
  the training popularity for the cold-start fallback, and the data checksum.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

MODEL_FILE = "model.keras"
SAVED_MODEL_DIR = "saved_model"
CATALOGUE_FILE = "catalogue.json"


def inference_model(model, dtype: str = "float32"):
    """The scores after the last item, from Keras's built-in layers, with ``model``'s trained weights.

    Args:
        model: a training model from ``models.recurrent.build`` (layers ``item_embedding``,
            ``recurrent``, and either ``to_embedding_space`` + tied ``scores`` or a
            ``Dense`` ``scores``).
        dtype: the arithmetic; ``"float64"`` gives a reference without float32 rounding
            (chapter 09 uses it to show that streaming and re-encoding are the same computation).

    Returns:
        A ``keras.Model``: (batch, T) int32 item ids, any T, left-padded with 0
        -> (batch, num_items) float32 logits (column 0 is padding's, never a candidate).

    Example:
        >>> serving = inference_model(trained.recommender.model)   # doctest: +SKIP
        >>> serving(np.array([[0, 0, 12, 7]])).shape              # doctest: +SKIP
        TensorShape([1, 1683])
    """
    import keras

    embedding = model.get_layer("item_embedding")
    recurrent = model.get_layer("recurrent")
    items_matrix = embedding.get_weights()[0]  # (num_items, E)
    num_items, embedding_dim = items_matrix.shape
    items = keras.Input((None,), dtype="int32", name="items")  # (batch, T)
    new_embedding = keras.layers.Embedding(num_items, embedding_dim, mask_zero=True, name="item_embedding",
                                           dtype=dtype)
    recurrent_config = recurrent.get_config() | {"return_sequences": False, "name": "recurrent", "dtype": dtype}
    new_recurrent = type(recurrent).from_config(recurrent_config)
    h = new_recurrent(new_embedding(items))  # (batch, H): state after the last real item (padding is masked)
    layer_names = [layer.name for layer in model.layers]
    copies = [(new_embedding, [items_matrix]), (new_recurrent, recurrent.get_weights())]
    if "to_embedding_space" in layer_names:  # tied: score_i = (h W + b) . e_i
        projection = model.get_layer("to_embedding_space")
        new_projection = keras.layers.Dense(embedding_dim, name="to_embedding_space", dtype=dtype)
        new_scores = keras.layers.Dense(num_items, use_bias=False, name="scores", dtype=dtype)
        logits = new_scores(new_projection(h))  # (batch, num_items)
        copies += [(new_projection, projection.get_weights()), (new_scores, [items_matrix.T.copy()])]
    else:
        scores = model.get_layer("scores")
        new_scores = keras.layers.Dense(num_items, name="scores", dtype=dtype)
        logits = new_scores(h)  # (batch, num_items)
        copies.append((new_scores, scores.get_weights()))
    serving = keras.Model(items, logits, name=f"{model.name}_serving")
    for layer, weights in copies:
        layer.set_weights([np.asarray(w, dtype) for w in weights])
    return serving


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """What a served model's ids mean, and what to show a user without history.

    Attributes:
        raw_ids: (num_items,) the data set's own item id of each model id; ``raw_ids[0] = -1`` (padding).
        titles: (num_items,) a title per model id; ``titles[0] = ""``.
        popularity: (num_items,) training interactions per model id (the cold-start fallback ranks by it).
        data_checksum: ``data.checksum`` of the data the model was trained on.
        ties: the tie rule of the split (``lstmrec.data.ties``).
        dataset: the data set's name, e.g. ``"ml-100k"``.
    """

    raw_ids: np.ndarray
    titles: list[str]
    popularity: np.ndarray
    data_checksum: str
    ties: str
    dataset: str

    def __post_init__(self):
        n = len(self.raw_ids)
        if len(self.titles) != n or len(self.popularity) != n:
            raise ValueError(f"raw_ids ({n}), titles ({len(self.titles)}) and popularity "
                             f"({len(self.popularity)}) must have one entry per model id")

    @property
    def num_items(self) -> int:
        """Catalogue size including the padding id 0."""
        return len(self.raw_ids)

    def to_json(self) -> str:
        return json.dumps({"dataset": self.dataset, "data_checksum": self.data_checksum, "ties": self.ties,
                           "raw_ids": [int(i) for i in self.raw_ids], "titles": list(self.titles),
                           "popularity": [int(c) for c in self.popularity]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Catalogue":
        """Parse ``catalogue.json`` (plain JSON; nothing is executed).

        Raises:
            ValueError: a field is missing or has the wrong type.
        """
        try:
            d = json.loads(text)
            return cls(np.asarray(d["raw_ids"], dtype=np.int64), [str(t) for t in d["titles"]],
                       np.asarray(d["popularity"], dtype=np.int64), str(d["data_checksum"]), str(d["ties"]),
                       str(d["dataset"]))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{CATALOGUE_FILE} is not a catalogue written by lstmrec.serve.export: "
                             f"{error!r}") from None


def catalogue(split, items, data_checksum: str, dataset: str) -> Catalogue:
    """The catalogue of a model trained on ``split``.

    Args:
        split: the ``LeaveOneOutSplit`` the model was trained on; popularity
            counts its training histories only (what the model learned from).
        items: the data set's items table, with ``item_id`` and ``title``.
        data_checksum: ``data.checksum`` of the data.
        dataset: the data set's name.
    """
    raw_ids = split.item_index.raw_ids
    title_of = dict(zip(items["item_id"].to_numpy(), items["title"].astype(str)))
    titles = [""] + [title_of.get(int(raw), f"item {raw}") for raw in raw_ids[1:]]
    popularity = np.bincount(np.concatenate(split.train), minlength=split.num_items)  # (num_items,)
    popularity[0] = 0
    return Catalogue(raw_ids, titles, popularity, data_checksum, split.ties, dataset)


def _without_object_ids(config):
    """``config`` (parsed JSON) without its ``shared_object_id`` keys, at any depth."""
    if isinstance(config, dict):
        return {k: _without_object_ids(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [_without_object_ids(v) for v in config]
    return config


def model_version(folder: Path | str) -> str:
    """Which model is served: 12 hex digits of a SHA-256 over ``model.keras``'s architecture and weights.

    Only ``config.json`` and the weight arrays inside the ``.keras`` zip are
    hashed, not the file's bytes: the file also records when it was saved, and
    saving the same weights again must not look like a new model (the service
    would needlessly recompute every user's state). For the same reason the
    config's ``shared_object_id`` values are left out: Keras writes the Python
    ``id()`` of a shared layer there, which changes from one process to the next.
    """
    import io
    import zipfile

    import h5py

    path = Path(folder) / MODEL_FILE
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as zf:
        digest.update(json.dumps(_without_object_ids(json.loads(zf.read("config.json"))), sort_keys=True).encode())
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
            names = []
            h5.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
            for name in sorted(names):  # a fixed order: the arrays' values, not where HDF5 put them
                digest.update(name.encode())
                digest.update(np.ascontiguousarray(h5[name][()]).tobytes())
    return digest.hexdigest()[:12]


def save_artefact(model, cat: Catalogue, folder: Path | str) -> Path:
    """Write ``model.keras``, ``saved_model/`` and ``catalogue.json`` into ``folder``, all or nothing.

    Everything is written into a temporary folder beside ``folder`` and moved
    into place by one rename, so a reader never sees half an artefact. An
    existing ``folder`` is replaced.

    Args:
        model: an ``inference_model``.
        cat: its ``Catalogue``.
        folder: where the artefact goes.

    Returns:
        ``folder``.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private (0700); an artefact is for any server to read
    try:
        model.save(tmp / MODEL_FILE)
        model.export(str(tmp / SAVED_MODEL_DIR), format="tf_saved_model", verbose=False)
        (tmp / CATALOGUE_FILE).write_text(cat.to_json())
        old = folder.with_name(f".{folder.name}-old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_keras(folder: Path | str):
    """The inference model from ``folder/model.keras``, with ``safe_mode=True`` and no custom objects.

    Raises:
        FileNotFoundError: no ``model.keras`` in ``folder``.
        ValueError: the file would need unsafe deserialisation (e.g. a ``Lambda`` layer).
    """
    import keras

    path = Path(folder) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {MODEL_FILE} in {folder}: write one with lstmrec.serve.export.save_artefact")
    return keras.saving.load_model(path, safe_mode=True, compile=False)


def load_saved_model(folder: Path | str):
    """The SavedModel in ``folder/saved_model``; its ``serve(ids)`` maps (batch, T) int32 -> (batch, num_items).

    Keep the returned object while calling ``serve``: it owns the weights.
    A SavedModel is TensorFlow graphs and weights, no pickled Python; but a
    graph is a program (TensorFlow ops can read and write files), so load only
    SavedModels you trust.
    """
    import tensorflow as tf

    path = Path(folder) / SAVED_MODEL_DIR
    if not path.is_dir():
        raise FileNotFoundError(f"no {SAVED_MODEL_DIR}/ in {folder}: write one with lstmrec.serve.export.save_artefact")
    return tf.saved_model.load(str(path))


def load_catalogue(folder: Path | str) -> Catalogue:
    """``folder/catalogue.json`` as a ``Catalogue``."""
    path = Path(folder) / CATALOGUE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {CATALOGUE_FILE} in {folder}: write one with lstmrec.serve.export.save_artefact")
    return Catalogue.from_json(path.read_text())
