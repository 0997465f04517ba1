"""``python -m corridor`` runs the same command line as ``corridor``."""

from corridor.cli import main

if __name__ == "__main__":
    main()
