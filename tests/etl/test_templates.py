from pathlib import Path

from etl import templates
from etl.layouts import match_header
from etl.readers import read_blocks


def test_shipped_templates_are_what_the_layouts_say(tmp_path):
    fresh = templates.write_all(tmp_path)
    for path in fresh:
        shipped = templates.TEMPLATE_DIR / path.name
        assert shipped.exists(), f"{shipped.name} missing: run python -m etl.templates"
        if path.suffix == ".csv":
            assert shipped.read_bytes() == path.read_bytes()


def test_every_template_header_is_detected_as_its_own_layout():
    for kind, stem in templates.FILE_NAMES.items():
        for suffix in (".csv", ".xlsx"):
            path = templates.TEMPLATE_DIR / f"{stem}{suffix}"
            header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",") if suffix == ".csv" else None
            if header:
                assert match_header(header).layout.kind == kind
            else:
                # an empty xlsx template has a header and no rows: it is found, with zero rows to load
                blocks, skipped = read_blocks(Path(path))
                assert [b.kind for b in blocks] == [kind] and len(blocks[0].frame) == 0
                assert skipped == ["Hướng dẫn"]
