"""Split a scraped page (HTML or a plain-text dump) into title, article and comments.

(STUB — interface fixed, implementation in progress.)

API::

    split(source: str | bytes, options: SplitOptions | None = None, name: str = "<string>") -> dict
    split_file(path, options: SplitOptions | None = None) -> dict

Return value (the ``split`` contract)::

    {"source": name, "title": str, "article": str,
     "comments": [{"id", "parent_id", "depth", "author", "time", "likes", "quote", "text"}, ...]}

Raises ``stance.errors.InputError`` (naming the file) for unreadable or hostile input.
"""
