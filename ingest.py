"""Build or update the index from corpus/: `python ingest.py` (same as `advice-search ingest`)."""

import sys

from advice_search.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
