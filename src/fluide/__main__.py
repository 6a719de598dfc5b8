"""``python -m fluide`` runs the command line."""

from fluide.cli import main

main()
