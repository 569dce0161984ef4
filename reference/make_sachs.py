"""Writes data/sachs/: the Sachs et al. (2005) flow-cytometry data as an interventional dataset in
pfn-train's CSV layout (a) (docs/file-formats.md §5.1), and its consensus graph as an edge list (§5.3).

Source: the 7,466 rows and 18 consensus edges that the Causal Discovery Toolbox ships
(`cdt` 0.6.0 on PyPI, MIT licence: cdt/data/resources/cyto_full_data.csv and cyto_full_target.csv),
the nine experimental conditions of Sachs et al. concatenated in their published order:

    condition (rows)            reagent acts on   here
    CD3/CD28 (853)              general stimulus  observational
    CD3/CD28 + ICAM-2 (902)     general stimulus  observational
    + AKT inhibitor (911)       Akt               regime 0, target pakts473
    + G06976 (723)              PKC               regime 1, target PKC
    + psitectorigenin (810)     PIP2              regime 2, target PIP2
    + U0126 (799)               MEK               regime 3, target pmek
    + LY294002 (848)            PI3K → PIP3       regime 4, target PIP3
    PMA (913)                   PKC (activator)   regime 5, target PKC
    β2cAMP (707)                PKA (activator)   regime 6, target PKA

These are the target assignments the interventional-discovery literature uses for this data. The
reagents inhibit or activate a protein's activity; they do not set a measured value, so every
regime's value is unknown (empty) — the data is far from the prior's hard do(X = v). Values are
natural logs of the measured abundances (all positive; the raw ones are heavy-tailed), to 6
significant digits.

Usage: pip download --no-deps cdt==0.6.0 -d /tmp/cdt && python3 reference/make_sachs.py /tmp/cdt/cdt-0.6.0-py3-none-any.whl
"""
import csv
import io
import math
import os
import sys
import zipfile

CONDITIONS = [(853, None), (902, None), (911, "pakts473"), (723, "PKC"), (810, "PIP2"), (799, "pmek"),
              (848, "PIP3"), (913, "PKC"), (707, "PKA")]


def main(wheel, out="data/sachs"):
    with zipfile.ZipFile(wheel) as z:
        data = list(csv.reader(io.TextIOWrapper(z.open("cdt/data/resources/cyto_full_data.csv"))))
        edges = list(csv.reader(io.TextIOWrapper(z.open("cdt/data/resources/cyto_full_target.csv"))))
    header, rows = data[0], data[1:]
    assert len(rows) == sum(n for n, _ in CONDITIONS), f"{len(rows)} rows; expected 7466"
    os.makedirs(out, exist_ok=True)
    fmt = lambda v: f"{math.log(float(v)):.6g}"  # noqa: E731  (every value is positive)
    obs, inter, start, regime = [], [], 0, 0
    for count, target in CONDITIONS:
        block = rows[start:start + count]
        start += count
        if target is None:
            obs += [[fmt(v) for v in r] for r in block]
        else:
            inter += [[str(regime), target, ""] + [fmt(v) for v in r] for r in block]
            regime += 1
    with open(os.path.join(out, "observational.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + obs)
    with open(os.path.join(out, "interventional.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([["regime", "target", "value"] + header] + inter)
    with open(os.path.join(out, "graph.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([["source", "target"]] + edges[1:])
    print(f"{out}: {len(obs)} observational rows, {len(inter)} interventional rows in {regime} regimes, "
          f"{len(edges) - 1} edges")


if __name__ == "__main__":
    main(*sys.argv[1:])
