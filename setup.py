"""Build the optional native hashing core. Everything else is configured in pyproject.toml.

The extension is optional: without a C compiler the package installs and runs on the pure-Python keccak path.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "zerog.native._keccak",
            sources=["src/zerog/native/_keccak.c"],
            extra_compile_args=["-O3", "-fno-strict-aliasing"],
            optional=True,
        )
    ]
)
