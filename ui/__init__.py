"""Helpers shared by the pages: the cached warehouse connection, query calls, Vietnamese formatting."""
