"""``python -m journeymap.cli``: the same program as the ``journeymap`` command."""

from . import main

main()
