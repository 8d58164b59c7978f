# SPDX-License-Identifier: GPL-2.0
"""Device tree: our YAML bindings and the board DTB's oxdma nodes, checked
with dtschema against the kernel tree's own bindings."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import libfdt  # pylibfdt, which dtschema depends on
from kernel_tree import ROOT, _env, cache, ksrc

BINDINGS = sorted((ROOT / "dts" / "bindings").rglob("*.yaml"))
DTB = ROOT / "out" / "bcm2837-rpi-3-b-oxdma.dtb"
# Nodes oxdma adds or enables, and the schemas that check them.
OUR_COMPATIBLES = ("oxdma,soft-dma", "oxdma,dma-test-client", "oxdma,bcm2835-dma-test-client",
                   "bcm2835-dma-test-client@7e204000", "oxdma,spi-loopback",
                   "spi@7e204000", "brcm,bcm2835-spi", "jedec,spi-nor")
# The overlay for real boards, and the kernel's own DT of the board it is
# applied to (the one our emulator DTS includes).
OVERLAY = ROOT / "dts" / "overlays" / "oxdma-spi0-overlay.dts"
UPSTREAM_BOARD = Path("arch/arm64/boot/dts/broadcom/bcm2837-rpi-3-b.dts")
SPI0 = "/soc/spi@7e204000"
# The upstream labels the overlay refers to (resolved on the board by symbols).
OVERLAY_LABELS = {"spi", "dma", "gpio", "spi0_gpio7"}
# The kernel's vendor-prefixes.yaml cannot list an out-of-tree vendor.
UNREGISTERED_VENDOR = "do not match any of the regexes: '^#.*'"
# The kernel's brcm,bcm2835-spi.yaml lacks the dmas/dma-names that its own
# bcm2835-common.dtsi gives SPI0 (dtbs_check reports it on the upstream DT
# too): the one message allowed for that node.
UPSTREAM_SPI_DMAS = "spi@7e204000 (brcm,bcm2835-spi): Unevaluated properties are not allowed " \
    "('dma-names', 'dmas' were unexpected)"


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def dtc_tool(name: str) -> str:
    """dtc or fdtoverlay, as built by the kernel build."""
    return str(_env("KBUILD") / "scripts" / "dtc" / name)


def compile_dts(dts: Path, dtb: Path) -> str:
    """Compile as scripts/build-dtb does (cpp with the kernel's include
    paths, then the kernel's dtc), with symbols (-@) so that overlays can
    refer to its labels or be applied onto it. Returns dtc's warnings (not
    silenced by -q here)."""
    inc = ksrc() / "scripts" / "dtc" / "include-prefixes"
    pre = dtb.with_name(dtb.name + ".pre")
    subprocess.run([f"clang-{_env('LLVM_VERSION')}", "-E", "-nostdinc", "-undef", "-D__DTS__",
                    "-x", "assembler-with-cpp", "-I", str(inc), "-I", str(ROOT / "dts"),
                    "-o", str(pre), str(dts)], check=True)
    res = subprocess.run([dtc_tool("dtc"), "-@", "-O", "dtb", "-o", str(dtb), "-b", "0",
                          "-i", str(ROOT / "dts"), "-i", str(inc), str(pre)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stderr.strip()


def apply_overlay(base: Path, dtbo: Path, out: Path) -> libfdt.Fdt:
    res = subprocess.run([dtc_tool("fdtoverlay"), "-i", str(base), "-o", str(out), str(dtbo)],
                         capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr
    return libfdt.Fdt(out.read_bytes())


def upstream_board_dtb(tmp_path: Path) -> Path:
    dtb = tmp_path / "bcm2837-rpi-3-b.dtb"
    compile_dts(ksrc() / UPSTREAM_BOARD, dtb)  # the upstream /soc warns (Kbuild silences it)
    return dtb


def overlay_dtbo(tmp_path: Path) -> Path:
    dtbo = tmp_path / "oxdma-spi0.dtbo"
    warnings = compile_dts(OVERLAY, dtbo)
    assert not warnings, warnings
    return dtbo


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


def test_spi0_overlay_compiles_with_symbols_and_no_warnings(tmp_path):
    dtbo = libfdt.Fdt(overlay_dtbo(tmp_path).read_bytes())
    fixups = dtbo.path_offset("/__fixups__")
    labels = set()
    off = dtbo.first_property_offset(fixups, libfdt.QUIET_NOTFOUND)
    while off >= 0:
        labels.add(dtbo.get_property_by_offset(off).name)
        off = dtbo.next_property_offset(off, libfdt.QUIET_NOTFOUND)
    assert labels == OVERLAY_LABELS


def test_spi0_overlay_applies_to_upstream_board_dtb(tmp_path):
    """On the kernel's Raspberry Pi 3 B DTB, and on the same DTB without the
    DMA channels bcm2835-common.dtsi gives SPI0 (so that they are proven to
    come from the overlay)."""
    dtbo = overlay_dtbo(tmp_path)
    base = upstream_board_dtb(tmp_path)
    bare = libfdt.Fdt(base.read_bytes())
    for prop in ("dmas", "dma-names"):
        bare.delprop(bare.path_offset(SPI0), prop)
    bare.pack()
    bare_base = tmp_path / "bare.dtb"
    bare_base.write_bytes(bare.as_bytearray())
    for name, b in (("upstream", base), ("without SPI0 dmas", bare_base)):
        fdt = apply_overlay(b, dtbo, tmp_path / "merged.dtb")
        spi = fdt.path_offset(SPI0)
        prop = fdt.getprop(spi, "dmas", libfdt.QUIET_NOTFOUND)
        assert not isinstance(prop, int), f"{name}: no dmas"
        cells = prop.as_uint32_list()
        dmac = [fdt.get_path(fdt.node_offset_by_phandle(ph)) for ph in cells[0::2]]
        gpio = [fdt.get_path(fdt.node_offset_by_phandle(ph))
                for ph in fdt.getprop(spi, "cs-gpios").as_uint32_list()[0::3]]
        pins = fdt.node_offset_by_phandle(fdt.getprop(spi, "pinctrl-0").as_uint32())
        assert (fdt.getprop(spi, "status").as_str(), dmac, cells[1::2],
                fdt.getprop(spi, "dma-names").as_stringlist(),
                fdt.getprop(spi, "cs-gpios").as_uint32_list()[1::3], gpio,
                fdt.getprop(spi, "pinctrl-names").as_stringlist(),
                fdt.getprop(pins, "brcm,pins").as_uint32_list()) == \
            ("okay", ["/soc/dma-controller@7e007000"] * 2, [6, 7], ["tx", "rx"],
             [8, 7], ["/soc/gpio@7e200000"] * 2, ["default"], [7, 8, 9, 10, 11]), name


def test_spi0_overlay_result_matches_the_spi_binding(tmp_path):
    merged = tmp_path / "merged.dtb"
    fdt = apply_overlay(upstream_board_dtb(tmp_path), overlay_dtbo(tmp_path), merged)
    # dt-validate skips disabled nodes.
    assert fdt.getprop(fdt.path_offset(SPI0), "status").as_str() == "okay"
    res = subprocess.run([tool("dt-validate"), "-s", str(processed_schema()), str(merged)],
                         capture_output=True, text=True)
    lines = (res.stdout + res.stderr).splitlines()
    spi = [line for i, line in enumerate(lines)
           if "spi@7e204000" in line and UNREGISTERED_VENDOR not in line
           and UPSTREAM_SPI_DMAS not in line
           or (i > 0 and "spi@7e204000" in lines[i - 1] and UPSTREAM_SPI_DMAS not in lines[i - 1]
               and "from schema" in line)]
    assert not spi, "\n".join(spi)
