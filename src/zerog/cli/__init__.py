"""The `zerog` command line: thin wrappers over `zerog.client` and `zerog.devnet`."""
