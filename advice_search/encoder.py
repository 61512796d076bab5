"""Texts in, unit vectors out: all-MiniLM-L6-v2, run by ONNX Runtime.

``OnnxEncoder`` runs the export that ``model.py`` makes at ingest; it imports only
onnxruntime and tokenizers, so answering a question never loads torch.
``SentenceTransformerEncoder`` is the reference the export is tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from .model import (
    DIMENSION,
    MAX_TOKENS,
    MODEL_NAME,
    ONNX_FILE,
    TOKENIZER_FILE,
    ModelError,
    source_model_dir,
)

Progress = Callable[[int, int], None]  # (texts done, texts in all)
# Padded tokens per ONNX run: big enough that the matrix products run at full speed, small
# enough that one run's activations stay in cache-friendly sizes (measured in bench/SCALE.md).
BATCH_TOKENS = 4096
MAX_BATCH = 256


@dataclass(frozen=True)
class TokenStates:
    """A text's tokens as the model read it: vocabulary ids and states."""

    ids: np.ndarray  # int64 [tokens], [CLS] and [SEP] included
    states: np.ndarray  # float32 [tokens, dim]


class Encoder(Protocol):
    name: str
    dimension: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: Progress | None = None
    ) -> np.ndarray: ...


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

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = MAX_BATCH,
        progress: Progress | None = None,
    ) -> np.ndarray:
        """Unit vectors of ``texts``, in order. The one batching layer of the project.

        Texts are tokenised first and sorted by token count; a batch takes texts of similar
        length up to ``BATCH_TOKENS`` padded tokens (and ``batch_size`` texts), so short
        texts go in big batches and padding (wasted work) stays small. Identical texts
        are embedded once.
        """
        slot: dict[str, int] = {}
        where = [slot.setdefault(text, len(slot)) for text in texts]
        unique = list(slot)
        encodings = self.tokenizer.encode_batch(unique) if unique else []
        order = sorted(range(len(unique)), key=lambda i: len(encodings[i].ids))
        vectors = np.zeros((len(unique), self.dimension), dtype=np.float32)
        done = 0
        for rows in token_batches([len(encodings[i].ids) for i in order], batch_size):
            picked = [order[i] for i in rows]
            vectors[picked] = self._encode_batch([encodings[i] for i in picked])
            done += len(picked)
            if progress:
                progress(done, len(unique))
        return vectors[where] if len(texts) else np.zeros((0, self.dimension), np.float32)

    @cached_property
    def vocabulary(self) -> list[str]:
        """Each vocabulary id's piece ("counsel", "##ing")."""
        by_id = self.tokenizer.get_vocab()
        pieces = [""] * (max(by_id.values()) + 1)
        for piece, i in by_id.items():
            pieces[i] = piece
        return pieces

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """Unit vectors of a few ``texts`` (a question) and, per text, its tokens' states.

        One run for all of them: the token states come free with the vectors.
        """
        encodings = self.tokenizer.encode_batch(list(texts))
        tokens, mask = self._run(encodings)
        states = [
            TokenStates(np.asarray(e.ids, np.int64), tokens[row, : len(e.ids)])
            for row, e in enumerate(encodings)
        ]
        return normalise_rows(mean_pool(tokens, mask)), states

    def piece_states(self, piece_ids: np.ndarray, *, batch: int = 1024) -> np.ndarray:
        """The state of each vocabulary piece read alone ("[CLS] piece [SEP]"), unit length."""
        cls_id, sep_id = (self.tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]"))
        ids = np.asarray(piece_ids, np.int64)
        out = np.zeros((len(ids), self.dimension), np.float32)
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            run = np.stack([np.full(len(part), cls_id), part, np.full(len(part), sep_id)], 1)
            out[start : start + batch] = self._session_run(run, np.ones_like(run))[:, 1]
        return normalise_rows(out)

    def _encode_batch(self, encodings: list) -> np.ndarray:  # noqa: ANN001 (tokenizers.Encoding)
        return normalise_rows(mean_pool(*self._run(encodings)))

    def _run(self, encodings: list) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        """Token states [texts, width, dim] of a batch, and its attention mask."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        return self._session_run(ids, mask), mask

    def _session_run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (tokens,) = self.session.run(["last_hidden_state"], feeds)
        return np.asarray(tokens, np.float32)


def token_batches(lengths: Sequence[int], max_texts: int = MAX_BATCH) -> list[range]:
    """Consecutive runs of ``lengths`` (sorted ascending) holding at most ``BATCH_TOKENS``
    padded tokens (count x longest) and ``max_texts`` texts; each run at least one text."""
    batches, start = [], 0
    for i, length in enumerate(lengths):
        if i > start and ((i - start + 1) * length > BATCH_TOKENS or i - start >= max_texts):
            batches.append(range(start, i))
            start = i
    if start < len(lengths):
        batches.append(range(start, len(lengths)))
    return batches


class SentenceTransformerEncoder:
    """The reference: sentence-transformers with torch (slow to import; tests only)."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = MODEL_NAME
        self.dimension = DIMENSION
        self.model = SentenceTransformer(str(model_dir or source_model_dir()), device="cpu")

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: Progress | None = None
    ) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)
        if progress:
            progress(len(texts), len(texts))
        return vectors
