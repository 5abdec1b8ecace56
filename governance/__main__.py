"""`python -m governance` is the `gov` command."""

from governance.cli.entry import main

main()
