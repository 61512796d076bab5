"""How a build was made, and the one check that refuses a stale, foreign or damaged build.

Every build holds ``manifest.json``: the model that embedded it, the chunking settings, the
vector index, and the size, sha256 and sampled sha256 of every file in the build (among them
``sources.json``, the article files it was made from). The manifest carries a checksum of its
own content, so an edited one is refused.

Loading checks each file's size and sampled sha256 (``files.file_sampled_sha256``: 1 MiB of
any file), so opening a build of several GB reads megabytes, not gigabytes; ingest, which
rewrites the index from the previous build, and ``advice-search verify`` check the full
sha256 of every byte.

Why a build is refused (``Manifest.read`` + ``Manifest.check``; one message per reason, each
naming the command that fixes it, each with a short ``reason`` for the ingest summary):

- the manifest is unreadable, or its content does not match its checksum: damaged;
- it was written in another index format (an older version of this program): format;
- the installed model weights are not the ones that embedded it: model;
- ingest asks for other chunking settings than it was cut with: chunking (search serves any
  settings a build records; only ingest, which reuses vectors, needs them equal);
- a file is missing, or its size or (sampled, or with ``full`` whole) sha256 differs from
  the record: damaged;
- the exported model it names is missing or damaged: damaged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .chunking import ChunkSettings
from .corpus import Skipped
from .files import file_sampled_sha256, file_sha256, read_file, write_text_atomic
from .model import export_checksum, installed_weights_match
from .sources import FILE as SOURCES_FILE
from .sources import SourceFile, SourceTable
from .store import DAMAGED, REBUILD, IndexMismatch, IndexUnavailable, Store
from .vectors import VectorIndexSpec

__all__ = ["FORMAT_VERSION", "Manifest", "ModelRecord", "SourceFile", "FileRecord"]

# 2: sentence vectors embed each sentence with its neighbours; 3: the manifest checksums itself;
# 4: BM25 weights stored as plain numpy arrays (lexical/*.npy); 5: a blank line ends a sentence;
# 6: memory-mapped layout (JSONL line offsets, int8 sentence vectors, passage vectors only in
# FAISS, BM25 term counts, catalogue), sampled checksums, sources.json with file sizes/mtimes;
# 7: words/ (the pieces each passage uses and their states, for the word match)
FORMAT_VERSION = 7
FILE = "manifest.json"

FORMAT = "the index format changed"
MODEL = "the embedding model changed"
CHUNKING = "the chunking settings changed"


@dataclass(frozen=True)
class ModelRecord:
    """The weights that embedded a build, and the ONNX export that embeds its questions."""

    name: str
    weights_sha256: str
    dimension: int
    max_tokens: int
    onnx_dir: str  # relative to the index directory
    onnx_sha256: str
    weights_size: int = 0
    weights_mtime_ns: int = 0


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str
    sampled: str  # ``files.file_sampled_sha256``: what a load checks


@dataclass(frozen=True)
class Manifest:
    """The record of one build; ``files`` and ``build_id`` are filled in when it is written."""

    model: ModelRecord
    chunking: ChunkSettings
    vector_index: VectorIndexSpec
    counts: Mapping[str, int]  # articles, passages, sentences
    sources: Sequence[SourceFile] = ()  # kept in sources.json (``write_sources``)
    skipped: tuple[Skipped, ...] = ()
    corpus_dir: str = ""
    created_at: str = ""
    reader: str = ""  # fingerprint of the code that read and chunked the corpus (builder)
    build_id: str = ""
    files: Mapping[str, FileRecord] = field(default_factory=dict)

    # ------------------------------------------------------------ reading and writing

    def to_json(self) -> dict[str, Any]:
        data = {
            "format_version": FORMAT_VERSION,
            "build_id": self.build_id,
            "created_at": self.created_at,
            "model": asdict(self.model),
            "chunking": self.chunking.to_json(),
            "vector_index": self.vector_index.to_json(),
            "corpus_dir": self.corpus_dir,
            "reader": self.reader,
            "skipped": [asdict(s) for s in self.skipped],
            "counts": dict(self.counts),
            "files": {name: asdict(record) for name, record in sorted(self.files.items())},
        }
        return {**data, "manifest_sha256": content_digest(data)}

    @classmethod
    def from_json(cls, data: dict[str, Any], sources: Sequence[SourceFile] = ()) -> Manifest:
        """The manifest in ``data``; KeyError/TypeError/ValueError if fields are missing."""
        return cls(
            model=ModelRecord(**data["model"]),
            chunking=ChunkSettings(**data["chunking"]),
            vector_index=VectorIndexSpec(**data["vector_index"]),
            counts={key: int(value) for key, value in data["counts"].items()},
            sources=sources,
            skipped=tuple(Skipped(**s) for s in data["skipped"]),
            corpus_dir=str(data["corpus_dir"]),
            created_at=str(data["created_at"]),
            reader=str(data["reader"]),
            build_id=str(data["build_id"]),
            files={name: FileRecord(**record) for name, record in data["files"].items()},
        )

    @classmethod
    def read(cls, build: Path) -> Manifest:
        """The manifest of ``build``, refused if unreadable, edited, or of another format."""
        path = Path(build) / FILE
        try:
            data = json.loads(read_file(path).decode("utf-8"))
        except (OSError, ValueError) as error:
            raise _damaged(f"The index manifest {path} is unreadable ({error})") from None
        found = data.get("format_version") if isinstance(data, dict) else None
        if found != FORMAT_VERSION:
            raise IndexMismatch(
                f"The index in {Path(build).parent.parent}/ has format {found!r}, this version "
                f"reads format {FORMAT_VERSION}: run `{REBUILD}` to rebuild it.",
                reason=FORMAT,
            )
        damaged = _damaged(f"The index manifest {path} is damaged (its checksum does not match)")
        if data.get("manifest_sha256") != content_digest(data):
            raise damaged
        try:
            return cls.from_json(data, SourceTable(path=Path(build) / SOURCES_FILE))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise damaged from None

    def write_sources(self, build: Path) -> None:
        """Write ``sources.json`` (before ``recording_files``, which checksums it)."""
        table = self.sources if isinstance(self.sources, SourceTable) else None
        (table or SourceTable.of(self.sources)).write(build)

    def recording_files(self, build: Path) -> Manifest:
        """This manifest with the size and checksums of every file now in ``build``."""
        files = {
            rel: FileRecord(f.stat().st_size, file_sha256(f), file_sampled_sha256(f))
            for f in sorted(Path(build).rglob("*"))
            if f.is_file() and (rel := f.relative_to(build).as_posix()) != FILE
        }
        return replace(self, files=files, build_id=Store.build_id(Path(build)))

    def write(self, build: Path) -> None:
        write_text_atomic(
            Path(build) / FILE, json.dumps(self.to_json(), indent=2, ensure_ascii=False)
        )

    # ------------------------------------------------------------ the check

    def check(
        self,
        build: Path,
        *,
        chunking: ChunkSettings | None = None,
        model_export: bool = True,
        full: bool = False,
    ) -> None:
        """Refuse ``build`` (whose manifest this is) if it cannot be used as it stands.

        ``chunking``: the settings the caller needs (ingest reusing vectors); None accepts
        whatever the build was cut with. ``model_export``: also check the ONNX export that
        embeds questions (search needs it; ingest makes its own). ``full``: hash every byte
        of every file instead of the sampled blocks.
        """
        build = Path(build)
        if not installed_weights_match(asdict(self.model)):
            raise IndexMismatch(
                "The index was built with different embedding model weights than the ones "
                f"installed now; its vectors would not match new questions: run `{REBUILD}`.",
                reason=MODEL,
            )
        if chunking is not None and chunking != self.chunking:
            raise IndexMismatch(
                f"The index was built with other chunking settings ({self.chunking.to_json()}, "
                f"now {chunking.to_json()}): run `{REBUILD}` to rebuild it.",
                reason=CHUNKING,
            )
        for name, record in self.files.items():
            file = build / name
            try:
                intact = file.stat().st_size == record.size and (
                    file_sha256(file) == record.sha256
                    if full
                    else file_sampled_sha256(file) == record.sampled
                )
            except FileNotFoundError:
                raise _damaged(f"Index file {file} is missing") from None
            except ValueError:  # a pipe or a device in its place
                intact = False
            if not intact:
                raise _damaged(
                    f"Index file {file} is damaged (its checksum does not match the manifest)"
                )
        if model_export:
            self.check_export(build)

    def check_export(self, build: Path) -> None:
        """Refuse the ONNX export that embeds this build's questions if it is not the one
        recorded (hashed whole: ONNX Runtime reads all of it anyway)."""
        export = self.export_dir(build)
        if export_checksum(export) != self.model.onnx_sha256:
            raise _damaged(f"The exported model in {export} is missing or damaged")

    def export_dir(self, build: Path) -> Path:
        """The ONNX export that embeds questions for this build."""
        return Path(build).parent.parent / self.model.onnx_dir


def damaged(build: Path, error: Exception) -> IndexUnavailable:
    """The refusal for a build whose files pass their checksums yet cannot be read."""
    return _damaged(f"The index in {build} cannot be loaded ({error})")


def content_digest(data: Mapping[str, Any]) -> str:
    """sha256 of a manifest's content (key order and layout do not matter)."""
    content = {k: v for k, v in data.items() if k != "manifest_sha256"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _damaged(what: str) -> IndexUnavailable:
    return IndexUnavailable(f"{what}: run `{REBUILD}` to rebuild the index.", reason=DAMAGED)
