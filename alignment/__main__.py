import sys

from alignment.cli import main

sys.exit(main())
