# SPDX-License-Identifier: GPL-2.0
"""Device tree: our YAML bindings and the board DTB's oxdma nodes, checked
with dtschema against the kernel tree's own bindings."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from kernel_tree import ROOT, cache, ksrc

BINDINGS = sorted((ROOT / "dts" / "bindings").rglob("*.yaml"))
DTB = ROOT / "out" / "bcm2837-rpi-3-b-oxdma.dtb"
# Nodes oxdma adds or enables, and the schemas that check them.
OUR_COMPATIBLES = ("oxdma,soft-dma", "oxdma,dma-test-client", "oxdma,bcm2835-dma-test-client",
                   "bcm2835-dma-test-client@7e204000", "oxdma,spi-loopback",
                   "spi@7e204000", "brcm,bcm2835-spi", "jedec,spi-nor")
# The kernel's vendor-prefixes.yaml cannot list an out-of-tree vendor.
UNREGISTERED_VENDOR = "do not match any of the regexes: '^#.*'"
# The kernel's brcm,bcm2835-spi.yaml lacks the dmas/dma-names that its own
# bcm2835-common.dtsi gives SPI0 (dtbs_check reports it on the upstream DT
# too): the one message allowed for that node.
UPSTREAM_SPI_DMAS = "spi@7e204000 (brcm,bcm2835-spi): Unevaluated properties are not allowed " \
    "('dma-names', 'dmas' were unexpected)"


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def kernel_bindings() -> Path:
    return ksrc() / "Documentation" / "devicetree" / "bindings"


def processed_schema() -> Path:
    """The kernel's and our bindings processed by dt-mk-schema (slow: cached
    outside the clone, keyed by kernel tree and our bindings)."""
    key = hashlib.sha256(str(ksrc()).encode())
    for b in BINDINGS:
        key.update(b.read_bytes())
    out = cache() / f"dt-schema-{key.hexdigest()[:16]}.json"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        with open(tmp, "w") as f:
            subprocess.run([tool("dt-mk-schema"), "-j", str(kernel_bindings()),
                            str(ROOT / "dts" / "bindings")], stdout=f, check=True)
        tmp.rename(out)
    return out


def test_bindings_follow_the_meta_schema(tmp_path):
    """As `make dt_binding_check` would see them in the kernel tree: in a
    symlinked copy of its bindings, so their $refs resolve. dt-doc-validate
    exits 0 on some errors, so any output fails."""
    assert BINDINGS
    tree = tmp_path / "bindings"
    subprocess.run(["cp", "-as", str(kernel_bindings()), str(tree)], check=True)
    ours = []
    for b in BINDINGS:
        dest = tree / b.relative_to(ROOT / "dts" / "bindings")
        shutil.copy(b, dest)
        ours.append(str(dest))
    res = subprocess.run([tool("dt-doc-validate"), "-u", str(tree), *ours],
                         capture_output=True, text=True)
    out = (res.stdout + res.stderr).strip()
    assert res.returncode == 0 and not out, out


def test_board_dtb_oxdma_nodes_match_their_bindings():
    res = subprocess.run([tool("dt-validate"), "-s", str(processed_schema()), str(DTB)],
                         capture_output=True, text=True)
    lines = (res.stdout + res.stderr).splitlines()
    ours = [line for i, line in enumerate(lines)
            if any(c in line for c in OUR_COMPATIBLES) and UNREGISTERED_VENDOR not in line
            and UPSTREAM_SPI_DMAS not in line
            and not (i > 0 and UPSTREAM_SPI_DMAS in lines[i - 1] and "from schema" in line)]
    assert not ours, "\n".join(ours)
