import sys

from gateway.cli.main import main

if __name__ == "__main__":  # also when a close worker process is spawned from `python -m gateway`
    sys.exit(main())
