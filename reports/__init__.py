"""Exports and reports: CSV/Excel/PNG downloads, the official tables workbook, the one-page summary."""
