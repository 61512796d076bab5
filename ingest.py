"""Build or update the index from corpus/: `python ingest.py` (same as `advice-search ingest`)."""

import sys

import advice_search.__main__  # noqa: F401  (first: Ctrl-C is one line from here on)

if __name__ == "__main__":
    sys.argv[1:1] = ["ingest"]
    advice_search.__main__.run()
