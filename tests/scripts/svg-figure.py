#!/usr/bin/python3
"""Read a figure of scripts/xperf-plot back from its SVG (matplotlib's,
with svg.fonttype none: text stays text, and xperf-plot names the bars and
the median of a histogram by their ids). For tests/scripts/plot-test.sh.

  svg-figure.py texts SVG        every text of the figure, one a line
  svg-figure.py hist SVG STEP    check a histogram's drawing: each bar STEP
                                 wide in the x axis' unit (0: not checked),
                                 the median and its interval above every
                                 bar, the interval narrower than the bars'
                                 extent; prints what fails, exit status 1
"""

import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def groups(root, pattern):
    return [g for g in root.iter(f"{SVG}g") if re.fullmatch(pattern, g.get("id", ""))]


def points(path):
    """The (x, y) points of a path's d: M x y L x y ... z."""
    nums = [float(n) for n in re.findall(r"-?[0-9.]+(?:e-?[0-9]+)?", path.get("d"))]
    return list(zip(nums[0::2], nums[1::2]))


def x_scale(root):
    """Pixels per unit of the x axis, and the pixel of 0, from two ticks."""
    ticks = []
    for g in groups(root, r"xtick_\d+"):
        use = next(g.iter(f"{SVG}use"), None)
        text = "".join(next(g.iter(f"{SVG}text")).itertext()).replace("\u2212", "-")
        if use is not None and re.fullmatch(r"-?[0-9.]+", text):
            ticks.append((float(text), float(use.get("x"))))
    (v0, x0), (v1, x1) = ticks[0], ticks[-1]
    return (x1 - x0) / (v1 - v0)


def check_hist(path, step):
    root = ET.parse(path).getroot()
    fails = []
    bars = [points(next(g.iter(f"{SVG}path"))) for g in groups(root, r"bar-\d+")]
    if not bars:
        return [f"{path}: no bars (ids bar-N)"]
    tops = [min(y for _, y in b) for b in bars if max(y for _, y in b) > min(y for _, y in b)]
    left = min(x for b in bars for x, _ in b)
    right = max(x for b in bars for x, _ in b)
    if step > 0:
        scale = x_scale(root)
        for i, b in enumerate(bars):
            width = (max(x for x, _ in b) - min(x for x, _ in b)) / scale
            if abs(width - step) > 0.01 * step:
                fails.append(f"{path}: bar {i} is {width:.4g} wide, not one timer step {step:g}")
                break
    marker = next((u for g in groups(root, "median") for u in g.iter(f"{SVG}use")), None)
    interval = [points(p) for g in groups(root, r"median-interval-0")
                for p in g.iter(f"{SVG}path")]
    if marker is None or not interval:
        return fails + [f"{path}: no median marker or interval (ids median, median-interval-0)"]
    # SVG's y grows downwards: above a bar is a smaller y than its top.
    line = interval[0]
    for what, y in (("median marker", float(marker.get("y"))),
                    ("interval", max(y for _, y in line))):
        if y >= min(tops):
            fails.append(f"{path}: the {what} (y {y:.1f}) is not above the tallest bar "
                         f"(top y {min(tops):.1f}): it hides a bar")
    if len({y for _, y in line}) != 1:
        fails.append(f"{path}: the interval is not a horizontal bracket: {line}")
    span = max(x for x, _ in line) - min(x for x, _ in line)
    if span >= 0.5 * (right - left):
        fails.append(f"{path}: the interval spans {span:.0f} of the bars' {right - left:.0f} pixels")
    return fails


def main(argv):
    if len(argv) == 2 and argv[0] == "texts":
        for t in ET.parse(argv[1]).getroot().iter(f"{SVG}text"):
            print("".join(t.itertext()))
        return 0
    if len(argv) == 3 and argv[0] == "hist":
        fails = check_hist(argv[1], float(argv[2]))
        for f in fails:
            print(f)
        return 1 if fails else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
