"""Which packages the distribution holds; the rest of the metadata is in pyproject.toml.

Everything under host_tools/, plus the repository's top-level firmware/ and boards/ shipped as the
packages ``picodsc.firmware`` and ``picodsc.boards`` (read with importlib.resources by
``picodsc.upy``), so an installed wheel deploys the same files as a checkout. pyproject.toml alone
cannot map extra directories next to an automatic package search, hence this file.
"""

from setuptools import find_namespace_packages, setup

setup(
    package_dir={"": "host_tools", "picodsc.firmware": "firmware", "picodsc.boards": "boards"},
    packages=[
        *find_namespace_packages("host_tools", include=["picodsc", "picodsc.*"], exclude=["*.__pycache__"]),
        "picodsc.firmware", "picodsc.firmware.dsc", "picodsc.boards",
    ],
)
