import sys

from govcrawl.cli import main

sys.exit(main())
