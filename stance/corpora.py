"""Corpus registry: every labelled corpus under ``$STANCE_DATA_DIR`` mapped to one schema.

(STUB — interface fixed, implementation in progress.)

The registry itself is declarative: ``training/corpora.toml`` lists each corpus with its
task, domain, licence, files, reader, encoding, column and label mapping and dev-split rule.
This module interprets it through Hugging Face ``datasets``.

Common schemas (one per task); every row also has ``corpus``, ``domain``, ``group``:

- ``incivility``: ``text`` (str), ``uncivil`` (float 0..1), one float column per kind in
  ``INCIVILITY_KINDS`` (None where the corpus does not label that kind).
- ``stance``: ``text``, ``target`` (str), ``stance`` in {"favor", "against", "none"}.
- ``reply_stance``: ``text``, ``parent_text``, ``reply_stance`` in {support, deny, query, comment}.

API::

    list_corpora(task=None) -> list[CorpusSpec]
    load_corpus(name, data_dir=None, split="train") -> datasets.Dataset   # split: train|dev|all
    load_task(task, names=None, data_dir=None, split="train") -> datasets.Dataset

``name`` may also be a Hugging Face hub id or local dataset directory (``hf:owner/name``)
already in a common schema.
"""
