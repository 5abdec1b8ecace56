"""`python -m governance` is the `gov` command."""

from governance.cli.main import main

main()
