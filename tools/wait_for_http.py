"""Wait until an HTTP URL answers (used by `make demo` while the server starts)."""

import sys
import time
import urllib.request

url = sys.argv[1]
for _attempt in range(120):
    try:
        with urllib.request.urlopen(url, timeout=5):
            sys.exit(0)
    except OSError:
        time.sleep(1)
sys.exit(f"{url} did not answer within two minutes.")
