#!/usr/bin/env python3
"""Writes an unbundled app into DIR, the shape of a dev server's page: index.html links STYLES stylesheets and
loads src/main.js, which imports a tree of MODULES small ES modules (fan-out 6, then 7, then 6: 6 + 42 + 252 = 300),
so the browser finds them in waves, one level per round trip, as it does an app that is not bundled.

When every module has run and the page has loaded (every stylesheet applied), the page sets
  document.documentElement.dataset.loaded = "MODULES modules, STYLES stylesheets"
  window.appLoaded = performance.now() at that moment (ms since the navigation began)
and if something is missing it sets dataset.failed instead. It raises the Resource Timing buffer (250 entries by
default) first, so every resource is listed in performance.getEntriesByType("resource").

Usage: module-app.py DIR [--modules 300] [--styles 8]
Resources the page fetches: STYLES stylesheets + src/main.js + MODULES modules (309 by default)."""
import argparse
import os

FAN_OUT = (6, 7, 6, 6, 6, 6)  # children per module at each level, from the entry's


def tree(modules):
    """Module names per level, parents first: level 1 has FAN_OUT[0] modules, each of those FAN_OUT[1]..."""
    levels, count, width = [], 0, 1
    for fan in FAN_OUT:
        width *= fan
        take = min(width, modules - count)
        if take <= 0:
            break
        levels.append([f"m{len(levels) + 1}-{i}" for i in range(take)])
        count += take
    if count < modules:
        raise SystemExit(f"module-app: at most {count} modules")
    return levels


def module_text(name, children, index):
    imports = "".join(f'import {{ weight as w{i} }} from "./{child}.js";\n' for i, child in enumerate(children))
    total = " + ".join(["1"] + [f"w{i}" for i in range(len(children))])
    # A few hundred bytes of ordinary code, so each module is a small source file, not an empty one.
    return f"""// {name}: one module of the generated app (scripts/module-app.py).
{imports}
export const weight = {total};

export function describe{index}(value) {{
  const parts = [];
  for (let step = 0; step < {3 + index % 5}; step += 1) {{
    parts.push(`${{value}}:${{step * {index + 1}}}`);
  }}
  return parts.join(",") + " from {name}";
}}

export const label = describe{index}("{name}").length;
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)


def generate(root, modules=300, styles=8):
    levels = tree(modules)
    src = os.path.join(root, "src")
    for depth, names in enumerate(levels):
        below = levels[depth + 1] if depth + 1 < len(levels) else []
        fan = len(below) // len(names) + (1 if len(below) % len(names) else 0) if below else 0
        for index, name in enumerate(names):
            children = below[index * fan:(index + 1) * fan]
            write(os.path.join(src, name + ".js"), module_text(name, children, index))
    first = levels[0]
    imports = "".join(f'import {{ weight as w{i} }} from "./{name}.js";\n' for i, name in enumerate(first))
    total = " + ".join(f"w{i}" for i in range(len(first)))
    write(os.path.join(src, "main.js"), f"""// The entry: imports the tree, then marks the page when all has loaded.
{imports}
const modules = {total};
const styles = {styles};

function mark() {{
  const root = document.documentElement;
  const applied = getComputedStyle(root).getPropertyValue("--styles-applied").trim();
  const sheets = [...document.styleSheets].filter((sheet) => sheet.href && sheet.cssRules.length > 0).length;
  if (modules === {modules} && sheets === styles) {{
    window.appLoaded = performance.now();
    root.dataset.loaded = `${{modules}} modules, ${{sheets}} stylesheets`;
  }} else {{
    root.dataset.failed = `${{modules}} of {modules} modules, ${{sheets}} of ${{styles}} stylesheets (${{applied}})`;
  }}
  document.getElementById("status").textContent = root.dataset.loaded || root.dataset.failed;
}}

if (document.readyState === "complete") mark();
else window.addEventListener("load", mark);
""")
    links = ""
    for index in range(styles):
        name = f"style-{index}.css"
        links += f'<link rel="stylesheet" href="/css/{name}">\n'
        rules = "".join(f".block-{index}-{rule} {{ margin: {rule}px; padding: {index}px; "
                        f"color: #{index}{rule % 10}{rule % 10}; }}\n" for rule in range(20))
        write(os.path.join(root, "css", name), f":root {{ --styles-applied: {index + 1}; }}\n{rules}")
    write(os.path.join(root, "index.html"), f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>module app</title><link rel="icon" href="data:,">
<script>performance.setResourceTimingBufferSize(10000);</script>
{links}<script type="module" src="/src/main.js"></script>
</head><body><h1>module app</h1><p id="status">loading</p></body></html>
""")
    return styles + 1 + modules


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--styles", type=int, default=8)
    args = parser.parse_args()
    print(generate(args.dir, args.modules, args.styles))
