"""Entry point of ``python -m skfrugal``."""

from skfrugal._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
