"""Importing articles in the site's plain-text layout into draft records.

parse.py reads the layout, extract.py fills structured fields from the words (doses.py the doses), records.py
builds the draft records and the article's defects, write.py emits YAML, update.py merges a re-import into
curated files, service.py runs one import for the command.
The package import is light: `guideline rules` only needs rules.py.
"""
