import sys

from govcrawl.web import main

sys.exit(main())
