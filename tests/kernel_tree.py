# SPDX-License-Identifier: GPL-2.0
"""Paths into the kernel source and build that scripts/env.sh selects."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(var: str) -> Path:
    out = subprocess.run(["bash", "-c", f'. "{ROOT}/scripts/env.sh" && echo "${var}"'],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def cache() -> Path:
    """The cache outside the clone ($OXDMA_CACHE)."""
    return _env("OXDMA_CACHE")


def ksrc() -> Path:
    """The kernel source tree the modules are built against."""
    return _env("KSRC")


def kunit_py() -> Path:
    """The kernel tree's own KTAP parser, tools/testing/kunit/kunit.py."""
    return ksrc() / "tools" / "testing" / "kunit" / "kunit.py"


def rustfmt() -> Path:
    """The rustfmt of the toolchain the kernel is built with."""
    return _env("RUSTFMT")


def qemu_build() -> Path:
    """The build directory of the project's QEMU (scripts/build-qemu)."""
    return _env("QEMU_DIR") / "build"
