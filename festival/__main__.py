"""`python -m festival` runs the command line."""

from festival.cli import main

main()
