import sys

from shared.privacy.archive import main

sys.exit(main())
