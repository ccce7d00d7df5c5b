"""The bcf-xl test suite (a package, so ``from tests.strategies import ...`` works however pytest is run)."""
