"""Chinese text → search tokens: the same tokens for documents and queries, in every backend.

Text is normalised first (Traditional → Simplified with OpenCC, full-width → half-width
with NFKC, lower case), then cut by jieba in search mode with a user dictionary of
domain terms (sectors, majors, occupations; config/tokenizer/userdict.txt) so that terms
like 数控技术 stay whole while their parts (数控, 技术) are also indexed.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

from matchmaker.data import data_dir

DICTIONARY_DIR = data_dir("tokenizer")
# A token must contain a CJK character, a letter or a digit.
MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")


def normalize_text(text: str) -> str:
    """Simplified Chinese, half-width, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _opencc().convert(text)
    return " ".join(text.lower().split())


@functools.cache
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with (DICTIONARY_DIR / "userdict.txt").open("rb") as fh:  # jieba leaves a path's file open
        tokenizer.load_userdict(fh)
    return tokenizer


@functools.cache
def _stopwords() -> frozenset[str]:
    lines = (DICTIONARY_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def tokenize(text: str) -> list[str]:
    """Search tokens of a text, in order, with repeats (term frequency matters to BM25)."""
    if not text:
        return []
    stop = _stopwords()
    return [
        token
        for token in (t.strip() for t in _jieba().cut_for_search(normalize_text(text)))
        if token and token not in stop and MEANINGFUL.search(token)
    ]


def word_ends(text: str) -> set[int]:
    """Offsets in `text` where a jieba word ends (0 included), for whole-word matching of short terms."""
    return {end for _, _, end in _jieba().tokenize(text)} | {0}
