"""`python -m alignment`: the command line.

Once a command has run, its output is flushed and the process ends at once: Python's own
shutdown would tear pandas, NumPy and Arrow down object by object, 0.2–0.5 s of a 4 s `score`
spent on memory the operating system takes back anyway. Under a profiler or tracer (cProfile,
coverage), which write their results at shutdown, the process ends as usual.
"""

import logging
import os
import sys

from alignment.cli import main

code = main()
if sys.getprofile() is None and sys.gettrace() is None:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
