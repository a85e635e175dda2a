"""`make screenshots`: every page of the navigation, served on 127.0.0.1 and photographed in chromium at two widths.

    python -m tools.screenshots [--db data/warehouse.duckdb] [--out screenshots] [--query "don_vi=…&doi_tuong=…"]

Writes OUT/<page>_wide.png (1400×1000) and OUT/<page>_narrow.png (760×1000, a laptop's split screen), full-page,
and prints each page's load time. Open the images and look: overlaps, cut Vietnamese labels, legends, colours.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from tools import serve

WIDTHS = {"wide": (1400, 1000), "narrow": (760, 1000)}


def page_paths() -> list[str]:
    """(name, URL path) of every page app.py registers: pages/NAME.py → /NAME, except the first (default) page,
    which Streamlit serves at the root only."""
    text = (serve.ROOT / "app.py").read_text(encoding="utf-8")
    names = re.findall(r'"pages/(\w+)\.py"', text)
    if "state.PROFILE_PAGE" in text:
        names.append("unit_profile")
    seen = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return [(n, "" if i == 0 else n) for i, n in enumerate(seen)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.screenshots", description="Chụp ảnh màn hình mọi trang.")
    ap.add_argument("--db", default="data/warehouse.duckdb", help="kho dữ liệu (mặc định: kho minh họa)")
    ap.add_argument("--out", default="screenshots", help="thư mục ảnh")
    ap.add_argument("--query", default="", help="tham số địa chỉ thêm vào mọi trang, ví dụ don_vi=H01")
    args = ap.parse_args(argv)
    if serve.chromium() is None:
        print("Cần chromium: apt-get install chromium", file=sys.stderr)
        return 2
    if not Path(args.db).exists():
        print(f"Không thấy kho dữ liệu {args.db}: chạy `make demo` trước.", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    problems = 0
    with serve.serve(args.db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
        for label, (w, h) in WIDTHS.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            for name, path in page_paths():
                started = time.monotonic()
                page.goto(f"{url}/{path}" + (f"?{args.query}" if args.query else ""))
                try:
                    serve.settled(page, timeout=60_000)
                except Exception as exc:  # a page that never settles is itself a finding
                    print(f"{name} ({label}): chưa tải xong — {type(exc).__name__}")
                    problems += 1
                took = time.monotonic() - started
                shot = out / f"{name}_{label}.png"
                page.screenshot(path=str(shot), full_page=True)
                errors = page.locator("[data-testid='stException']").count() + page.get_by_text(
                    "Page not found").count()
                problems += errors
                print(f"{shot}  {took:5.1f} s" + (f"  {errors} lỗi Python trên trang" if errors else ""))
            page.close()
        browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
