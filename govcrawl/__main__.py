import gc
import sys

from govcrawl.cli import main

status = main()
# The process ends here. The interpreter's collections at exit would walk every object the command left (0.3 s after
# a crawl); frozen, those are not walked. Reference counting still frees them, closing what they hold, as the modules go.
gc.freeze()
sys.exit(status)
