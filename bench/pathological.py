#!/usr/bin/env python3
"""Write the pathological documents of issue 5 into a folder (default target/pathological).

    bench/pathological.py [DIR] [--scale F]

Each is built to find super-linear time or unbounded memory: a single line of 100 MB,
a table of a million rows, 10,000 levels of nested lists and of blockquotes, 10,000
nested HTML elements, a file of only combining marks, one of only zero-width characters,
and one sentence of 1 MB full of figures and compound names. --scale shrinks them
(0.1 = a tenth) to check linearity: time should scale with size."""
import os, sys

args = sys.argv[1:]
scale = 1.0
if "--scale" in args:
    i = args.index("--scale")
    scale = float(args[i + 1])
    del args[i:i + 2]
out = args[0] if args else "target/pathological"
os.makedirs(out, exist_ok=True)

def n(x):
    return max(1, int(x * scale))

def write(name, text):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(text)

line = "BPC-157 users report 250 mcg daily; we recommend nothing. "
write("single-line-100mb.txt", line * n(100_000_000 // len(line)))
rows = n(1_000_000)
write("table-1m-rows.md", "| Compound | Dose |\n|---|---|\n" + "| BPC-157 | 250 mcg |\n" * rows)
depth = n(10_000)
write("nested-lists.md", "".join("  " * i + "- level\n" for i in range(depth)) + "250 mcg of BPC-157\n")
write("nested-blockquotes.md", "".join(">" * (i + 1) + " 250 mcg of BPC-157\n" for i in range(depth)))
write("nested-html.html", "<div>" * depth + "BPC-157 at 250 mcg" + "</div>" * depth)
write("combining-marks.txt", "\u0301" * n(5_000_000))
write("zero-width.txt", "\u200b" * n(5_000_000))
sentence = "BPC-157 250 mcg TB-500 2 mg buy it, " * n(30_000)
write("one-huge-sentence.txt", "# BPC-157\n" + sentence + "\n")
for f in sorted(os.listdir(out)):
    print(f"{os.path.getsize(os.path.join(out, f)):>12,}  {f}")
