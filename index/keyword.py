"""Keyword ranking: BM25 (bm25s) over accent- and case-folded words, and query-word coverage.

The only module that imports bm25s (lazily: it costs half a second). Chunks and queries go
through the same `tokenize`, so "Café", "cafe" and "CAFÉ" all match, and an acronym such as
"WRAP" or "PTSD" is a plain word that BM25 finds exactly even where the embedding model
does not know it (one written in capitals is kept even when it spells a stop word: "WHO").
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

TOKENIZER = "fold-stopwords-v1"
_WORD = re.compile(r"[A-Za-z0-9]+")
# file names bm25s writes, prefixed so that they sit beside the other index files
_FILES = {
    "data_name": "bm25.data.npy",
    "indices_name": "bm25.indices.npy",
    "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json",
    "params_name": "bm25.params.json",
    "nnoc_name": "bm25.nonoccurrence.npy",
}
_PARAMS = _FILES["params_name"]


@cache
def stopwords() -> frozenset[str]:
    """English function words (bm25s's extended list), folded like the text they filter."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(w for word in STOPWORDS_EN_PLUS for w in _WORD.findall(fold(word)))


def fold(text: str) -> str:
    """Lower case without accents: 'Café NAÏVE' -> 'cafe naive'."""
    return _strip_accents(text.lower())


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def tokenize(text: str) -> list[str]:
    """Folded words without single letters and stop words: 'Who is the WHO?' -> ['who'].

    No stemming: a light suffix stripper (plurals, -ing, -ed, final -e) lifted BM25 alone but
    not the default rerank mode on either QA set (the README's retrieval section), so words
    are matched as written.
    """
    drop = stopwords()
    words = []
    for word in _WORD.findall(_strip_accents(text)):
        folded = word.lower()
        if len(word) > 1 and (folded not in drop or word.isupper()):
            words.append(folded)
    return words


@dataclass(frozen=True)
class KeywordParams:
    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"


class KeywordIndex:
    """BM25 over a fixed list of texts (the chunks, in vector order)."""

    def __init__(self, bm25, params: KeywordParams, documents: int) -> None:
        self._bm25 = bm25
        self.params = params
        self.documents = documents

    @classmethod
    def build(cls, texts: list[str], params: KeywordParams | None = None) -> KeywordIndex:
        params = params or KeywordParams()
        bm25s = _bm25s()
        bm25 = bm25s.BM25(k1=params.k1, b=params.b, method=params.method)
        # every text gets at least the empty token so that bm25s accepts empty chunks
        corpus = [tokenize(t) or [""] for t in texts]
        if texts:
            bm25.index(corpus, show_progress=False)
        return cls(bm25, params, len(texts))

    def describe(self) -> dict:
        """What the manifest records about the keyword index."""
        return {
            "library": "bm25s",
            "tokenizer": TOKENIZER,
            "documents": self.documents,
            **vars(self.params),
        }

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for the query (zeros when no query word is indexed)."""
        return self.match(query)[0]

    def match(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, coverage) of every text for the query.

        Coverage is the share of the query's distinct words that a text contains, each word
        weighted by its BM25 inverse document frequency; a query word that no text contains
        weighs the most, so a question about something the documents never mention has a low
        coverage everywhere. 0..1; 0 for a query without words.
        """
        bm25 = np.zeros(self.documents, dtype=np.float32)
        coverage = np.zeros(self.documents, dtype=np.float32)
        words = list(dict.fromkeys(tokenize(query)))
        if not self.documents or not words:
            return bm25, coverage
        vocab = self._bm25.vocab_dict
        indptr, indices = self._bm25.scores["indptr"], self._bm25.scores["indices"]
        ids, total = [], 0.0
        for word in words:
            i = vocab.get(word)
            known = i is not None and i + 1 < len(indptr)  # the empty token has no column
            df = int(indptr[i + 1] - indptr[i]) if known else 0
            weight = float(np.log1p((self.documents - df + 0.5) / (df + 0.5)))
            total += weight
            if df:
                ids.append(i)
                coverage[indices[indptr[i] : indptr[i + 1]]] += weight
        if ids:
            bm25[:] = self._bm25.get_scores(ids)
        return bm25, coverage / total

    def save(self, folder: Path) -> None:
        """Write the bm25.* files into a folder."""
        folder = Path(folder)
        if self.documents:
            self._bm25.save(str(folder), show_progress=False, **_FILES)
        else:
            (folder / _PARAMS).write_text(json.dumps({"num_docs": 0}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        folder = Path(folder)
        if not (folder / _PARAMS).is_file():
            raise FileNotFoundError(f"no keyword index in {folder}")
        saved = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        defaults = KeywordParams()
        params = KeywordParams(
            k1=float(saved.get("k1", defaults.k1)),
            b=float(saved.get("b", defaults.b)),
            method=str(saved.get("method", defaults.method)),
        )
        documents = int(saved["num_docs"])
        bm25 = None
        if documents:
            bm25 = _bm25s().BM25.load(str(folder), show_progress=False, load_vocab=True, **_FILES)
        return cls(bm25, params, documents)


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import; its messages are not for our users
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
