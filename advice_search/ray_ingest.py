"""Embedding at ingest on a Ray cluster: Ray Data ``map_batches`` over an actor pool.

Embedding is what ingest spends its time on (one text at a time per core). Here each Ray
actor holds one ONNX encoder (one thread, one CPU) and Ray Data streams the texts through
the pool; the driver only collects vectors. Everything else about ingest (lock, plan,
manifest, atomic switch) stays in ``builder.ingest``, which gets this encoder through its
``encoder_factory`` seam. The ONNX export travels to the actors through Ray's object
store, so worker nodes need neither the corpus nor the index directory.

Ray is imported only here (and in ``ray_serve``): install it with ``pip install -e
'.[cluster]'``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .encoder import OnnxEncoder, Progress
from .model import DIMENSION, EXPORT_FILES, MODEL_NAME

BATCH = 64  # texts per actor call: large enough to amortise a call, small enough to pad little
LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # read when ray is imported
MISSING_RAY = "Ray is not installed: run `pip install -e '.[cluster]'` (or `make install`)."


class ClusterError(Exception):
    """Ray is missing or the cluster cannot be reached; the message says what to do."""


def connect(address: str | None, **options: Any) -> bool:
    """Join the Ray cluster at ``address`` (None: start a local one); True if we did.

    False when this process is already connected (tests share one local cluster).
    """
    if not address:
        # A local cluster serves this machine alone: with "cluster mode" off, Ray's processes
        # use the loopback address instead of the machine's network address.
        os.environ.setdefault(LOCAL_ONLY, "0")
    try:
        import ray
    except ImportError:
        raise ClusterError(MISSING_RAY) from None
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=address or None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
            **options,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterError(
            f"Cannot reach the Ray cluster at {address} ({error}): check the address "
            "(host:port of the head node's GCS, e.g. 10.0.0.5:6379) or leave it out for a "
            "local cluster."
        ) from None
    return True


@contextlib.contextmanager
def encoder_factory(address: str | None = None) -> Iterator[Callable[[Path], RayEncoder]]:
    """A factory for ``builder.ingest(encoder_factory=...)``; joins the cluster on first use.

    Nothing is started when ingest has nothing to embed; a cluster started here is shut
    down on leaving the ``with`` block.
    """
    joined = False

    def factory(model_dir: Path) -> RayEncoder:
        nonlocal joined
        joined = connect(address) or joined
        return RayEncoder(model_dir)

    try:
        yield factory
    finally:
        if joined:
            import ray

            ray.shutdown()


class RayEncoder:
    """Texts in, unit vectors out, computed by a pool of Ray actors (the Encoder protocol)."""

    def __init__(self, model_dir: Path, *, actors: int | None = None, batch: int = BATCH) -> None:
        import ray

        self.name = MODEL_NAME
        self.dimension = DIMENSION
        self.batch = batch
        self.actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Sent once to the object store; each actor reads it from there, not from our disk.
        # It stays there while this encoder lives, so Ray can restart a lost actor (Ray
        # logs one line about such restarts needing it: they do, and have it).
        self._model = ray.put(
            {name: (Path(model_dir) / name).read_bytes() for name in EXPORT_FILES}
        )

    def encode(
        self, texts: Sequence[str], *, batch_size: int = BATCH, progress: Progress | None = None
    ) -> np.ndarray:
        """Unit vectors of ``texts`` in order; ``progress`` as the actors' blocks come back."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        for rows, vectors in self.encode_stream(texts):
            out[rows] = vectors
            done += len(rows)
            if progress:
                progress(done, len(texts))
        return out

    def encode_stream(self, texts: Sequence[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rows, vectors) blocks as the actors finish them, in any order."""
        if not texts:
            return
        import pyarrow as pa
        import ray

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # ingest draws its own
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # ingest prints its own summary
        table = pa.table(
            {
                "row": pa.array(np.arange(len(texts))),
                "text": pa.array(list(texts), pa.large_string()),
            }
        )
        # A few blocks per actor keeps every actor busy; ~1,000 texts a block bounds their size.
        blocks = max(self.actors * 4, math.ceil(len(texts) / 1000))
        step = math.ceil(len(texts) / blocks)
        dataset = ray.data.from_arrow([table.slice(lo, step) for lo in range(0, len(texts), step)])
        embedded = dataset.map_batches(
            EncodeActor,
            fn_constructor_kwargs={"model": [self._model]},
            compute=ray.data.ActorPoolStrategy(size=self.actors),
            num_cpus=1,
            batch_size=self.batch,
            batch_format="numpy",
        )
        for block in embedded.iter_batches(batch_size=None, batch_format="numpy"):
            yield block["row"], block["vector"].astype(np.float32, copy=False)


class EncodeActor:
    """One Ray actor: an OnnxEncoder built from the export in the object store."""

    def __init__(self, model: list[Any]) -> None:
        import ray

        files: dict[str, bytes] = ray.get(model[0])
        folder = Path(tempfile.mkdtemp(prefix="advice-search-model-"))
        try:
            for name, data in files.items():
                (folder / name).write_bytes(data)
            self.encoder = OnnxEncoder(folder, threads=1)  # one CPU per actor
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # loaded into memory; the files can go

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        return {"row": batch["row"], "vector": self.encoder.encode(texts, batch_size=len(texts))}
