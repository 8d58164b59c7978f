# SPDX-License-Identifier: GPL-2.0
"""Static checks on the tree: formatting, lints, and where unsafe may live."""

import os
import re
import subprocess

from kernel_tree import ROOT, ksrc, rustfmt

RUST_DIRS = ["bindings", "drivers", "tests"]


def rust_files():
    """Our Rust sources (bindgen's output goes to out/, not here)."""
    return sorted(p for d in RUST_DIRS if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.rs"))


def test_rustfmt_clean():
    files = rust_files()
    assert files
    fmt = subprocess.run(
        [str(rustfmt()), "--config-path", str(ksrc() / ".rustfmt.toml"), "--check", *map(str, files)],
        capture_output=True, text=True)
    assert fmt.returncode == 0, "rustfmt would change:\n" + fmt.stdout + fmt.stderr


def test_clippy_and_kernel_lints_clean():
    """The modules build with CLIPPY=1 and without a single warning."""
    build = subprocess.run([str(ROOT / "scripts" / "build-modules")],
                           env={**os.environ, "CLIPPY": "1"},
                           capture_output=True, text=True)
    out = build.stdout + build.stderr
    assert build.returncode == 0, out
    warnings = [line for line in out.splitlines() if re.match(r"(warning|error)(\[|:)", line)]
    assert not warnings, out


def test_no_unsafe_outside_bindings():
    """Drivers and tests call safe APIs; unsafe lives in bindings/ only."""
    hits = []
    for path in rust_files():
        if path.is_relative_to(ROOT / "bindings"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if re.search(r"\bunsafe\b", code):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "unsafe outside bindings/:\n" + "\n".join(hits)
