"""Build the seed articles with a peer library, for ``bench.scale_bench`` (its seeds part).

Runs in the peers' own virtualenv (txtai or Haystack installed there, not in the project's):
``python bench/peers.py {txtai|haystack} CORPUS_DIR MODEL_DIR OUT_DIR``. Reads the Markdown
articles, drops front matter, splits them into paragraphs, embeds every paragraph with the
same all-MiniLM-L6-v2 weights (MODEL_DIR, offline) and saves the peer's index to OUT_DIR.
Prints {"passages": n}. Standard library only, besides the peer.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def paragraphs(corpus: Path) -> list[str]:
    texts = []
    for path in sorted(corpus.glob("*.md")):
        text = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.S)
        texts += [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
    return texts


def with_txtai(texts: list[str], model: str, out: Path) -> None:
    from txtai import Embeddings

    embeddings = Embeddings(path=model, content=True, backend="faiss")
    embeddings.index([(i, text, None) for i, text in enumerate(texts)])
    embeddings.save(str(out))


def with_haystack(texts: list[str], model: str, out: Path) -> None:
    from haystack import Document
    from haystack.document_stores.in_memory import InMemoryDocumentStore

    try:  # Haystack 3 moved it to the sentence-transformers-haystack integration
        from haystack_integrations.components.embedders.sentence_transformers import (
            SentenceTransformersDocumentEmbedder,
        )
    except ImportError:
        from haystack.components.embedders import SentenceTransformersDocumentEmbedder

    embedder = SentenceTransformersDocumentEmbedder(model=model, progress_bar=False)
    embedder.warm_up()
    documents = embedder.run([Document(content=t) for t in texts])["documents"]
    store = InMemoryDocumentStore()
    store.write_documents(documents)
    store.save_to_disk(str(out / "store.json"))


def main() -> None:
    peer, corpus, model, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    out.mkdir(parents=True, exist_ok=True)
    texts = paragraphs(corpus)
    {"txtai": with_txtai, "haystack": with_haystack}[peer](texts, model, out)
    print(json.dumps({"passages": len(texts)}))


if __name__ == "__main__":
    main()
