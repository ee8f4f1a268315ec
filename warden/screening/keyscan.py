"""Every occurrence of a set of keys in a text of 16-bit units, found with a few numpy operations per key length.

The engine's main scan looks for some 7,000 keys (terms, forms, sound keys, keywords, lures) in syllable space, where
almost every character of ordinary Chinese starts some key. An Aho-Corasick automaton that size (~0.5 MB) misses
the cache at nearly every character; here the text is walked a whole batch at a time instead, one key length after
another, through a trie:

1. each unit becomes a small id (0: in no key), and the positions whose unit starts a key are kept (about half);
2. a table indexed by two ids gives the trie node of every two-unit prefix: a few per cent of positions remain;
3. from there, each step looks the next unit up among the trie's edges (`numpy.searchsorted`) for the positions
   still inside a key, until none is.

Each position reaching a key's last node is an occurrence, as `find_overlapping` would report it: every
occurrence of every key, overlapping ones included.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_PAIR_TABLE_MAX = 1 << 22  # entries (int32) of the two-unit table; past it, the second step uses the edges too


class KeyScan:
    """Finds ``keys`` (each a sequence of 16-bit units, none empty; key ``i`` is reported as ``i``; equal keys are
    each reported)."""

    __slots__ = ("_child", "_edges", "_first", "_ids", "_more", "_multi", "_one", "_pair", "_size", "_starts", "_terminal")

    def __init__(self, keys: Sequence[npt.NDArray[np.uint16]]) -> None:
        alphabet = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.uint16)
        ids = np.zeros(0x10000, dtype=np.int32)
        ids[alphabet] = np.arange(1, alphabet.size + 1, dtype=np.int32)
        self._ids = ids
        size = self._size = alphabet.size + 1
        children: dict[tuple[int, int], int] = {}
        ends: list[list[int]] = [[]]  # per node, the keys ending there
        depth = [0]
        via = [0]  # the unit of the edge into each node
        for pid, key in enumerate(keys):
            node = 0
            for unit in ids[key].tolist():
                nxt = children.get((node, unit))
                if nxt is None:
                    nxt = children[node, unit] = len(ends)
                    ends.append([])
                    depth.append(depth[node] + 1)
                    via.append(unit)
                node = nxt
            ends[node].append(pid)
        self._terminal = np.asarray([e[0] if e else -1 for e in ends], dtype=np.int64)
        self._multi = np.asarray([len(e) > 1 for e in ends], dtype=bool)
        self._more = {node: tuple(e) for node, e in enumerate(ends) if len(e) > 1}
        self._first = np.zeros(size, dtype=np.int64)  # id → node of the one-unit prefix (0: none)
        for (node, unit), child in children.items():
            if node == 0:
                self._first[unit] = child
        self._starts = self._first > 0
        self._one = np.zeros(size, dtype=bool)  # id → a one-unit key
        for (node, unit), child in children.items():
            if node == 0 and ends[child]:
                self._one[unit] = True
        pair: npt.NDArray[np.int32] | None = None
        if size * size <= _PAIR_TABLE_MAX:
            pair = np.zeros(size * size, dtype=np.int32)
            for (node, unit), child in children.items():
                if depth[node] == 1:
                    pair[via[node] * size + unit] = child
        self._pair = pair
        edges = sorted((node * size + unit, child) for (node, unit), child in children.items() if node)
        self._edges = np.asarray([k for k, _ in edges] or [-1], dtype=np.int64)
        self._child = np.asarray([c for _, c in edges] or [0], dtype=np.int64)

    @property
    def nbytes(self) -> int:
        """Memory held by the tables."""
        pair = self._pair.nbytes if self._pair is not None else 0
        return int(self._ids.nbytes + self._first.nbytes + pair + self._edges.nbytes + self._child.nbytes)

    def ids(self, table: npt.NDArray[np.uint16]) -> npt.NDArray[np.int16]:
        """``table`` (code point → unit) composed with the units' ids: code point → id, for `find`."""
        if self._size > 0x7FFF:
            raise ValueError("too many distinct units for 16-bit ids")
        out = np.take(self._ids, table).astype(np.int16)
        out.flags.writeable = False
        return out

    def find(
        self, ids: npt.NDArray[np.int16]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int64]]:
        """Start, end and key of every occurrence in a text given as its units' ids (`ids`), ordered by end, then
        key."""
        n = ids.size
        size = self._size
        starts: list[npt.NDArray[np.intp]] = []
        ends: list[npt.NDArray[np.intp]] = []
        pids: list[npt.NDArray[np.int64]] = []
        pair = self._pair
        if pair is not None:
            # one-unit keys (few), then every two-unit prefix in one gather over the whole text
            if self._one.any():
                at = np.flatnonzero(np.take(self._one, ids))
                self._emit(at, np.take(self._first, np.take(ids, at)), 1, starts, ends, pids)
            index = np.multiply(ids[:-1], size, dtype=np.int32)
            index += ids[1:]
            child = np.take(pair, index)
            at = np.flatnonzero(child)
            node = np.take(child, at).astype(np.int64)
            length = 2
        else:
            at = np.flatnonzero(np.take(self._starts, ids))
            node = np.take(self._first, np.take(ids, at))
            length = 1
        while at.size:
            self._emit(at, node, length, starts, ends, pids)
            if at[-1] + length >= n:
                inside = at + length < n
                at, node = at[inside], node[inside]
            want = node * size + np.take(ids, at + length)
            i = np.searchsorted(self._edges, want)
            np.minimum(i, self._edges.size - 1, out=i)
            keep = np.flatnonzero(np.take(self._edges, i) == want)
            at, node = np.take(at, keep), np.take(self._child, np.take(i, keep))
            length += 1
        if not starts:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty, np.zeros(0, dtype=np.int64)
        s, e, p = np.concatenate(starts), np.concatenate(ends), np.concatenate(pids)
        order = np.lexsort((p, s, e))
        return s[order], e[order], p[order]

    def _emit(
        self,
        at: npt.NDArray[np.intp],
        node: npt.NDArray[np.int64],
        length: int,
        starts: list[npt.NDArray[np.intp]],
        ends: list[npt.NDArray[np.intp]],
        pids: list[npt.NDArray[np.int64]],
    ) -> None:
        """Record the positions ``at`` whose ``node`` ends a key."""
        pid = np.take(self._terminal, node)
        done = np.flatnonzero(pid >= 0)
        if not done.size:
            return
        s, p = np.take(at, done), np.take(pid, done)
        nodes = np.take(node, done)
        multi = np.take(self._multi, nodes)
        if multi.any():  # equal keys (every unit outside the BMP is one unit): each is reported
            more = [self._more[k] for k in nodes[multi].tolist()]
            s = np.concatenate([s[~multi], np.repeat(s[multi], [len(m) for m in more])])
            p = np.concatenate([p[~multi], np.asarray([k for m in more for k in m], dtype=np.int64)])
        starts.append(s)
        ends.append(s + length)
        pids.append(p)
