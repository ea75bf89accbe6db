"""Five changes to whoosh-reloaded 2.7.5, applied at import (the engine is the only importer).

1. W3PerDocReader._cached_reader stats the column file on every call when a field has no length
   column (ID and keyword fields), and writing a segment calls it once per posting: a quarter of a
   million stat() calls per 3,000 Reuters articles. Caching the miss removes them.
2. BufferFile (a file inside a memory-mapped compound segment) copied its whole buffer into a
   BytesIO when opened, though most reads slice the buffer directly: opening the Reuters index
   copied every segment into memory, 100 ms and about 120 MB for every `dateline search`. Stream
   reads now read the mapped buffer in place, and peek ahead for the C unpickler, which otherwise
   reads a posting block's pickled header a few bytes at a time (a fifth of decoding a word's
   postings at a million articles).
3. W3 pickles each posting block (its ids, weights and position values) with protocol 2, which
   has no opcode for bytes: Python 3 writes every posting's value as a call to _codecs.encode of
   a latin-1 string, and reading the block makes that call again per posting. Blocks are now
   pickled with protocol 4 (bytes as bytes): 11-19% smaller indexes, and a common word's uncached
   postings decoded in 24 ms where they took 31 (generated 20,000 articles). Any protocol unpickles
   alike, so indexes written before are read as they were. A block whose pickle is under 64 bytes
   (a rare word's one posting) is stored uncompressed, as its header allows: zlib made it no
   smaller, and its call cost five times the pickling (Whoosh meant to do this, but its
   test is overwritten on the next line). The ids' gaps and the weights' one value are found in
   C, where Whoosh ran a generator over each block's postings (the same tuples).
4. A byte column (stored articles) written without offsets has them summed from its lengths when
   a reader opens it, in a Python loop over every document of the segment: 23 ms for the ten hits
   of a new process's query at a million articles. numpy sums them now, to the same offsets.
5. A hash file's reader (two a segment: terms and their infos) read its directory of 256 hash
   tables an entry at a time: 40,000 reads to open a million-article index of 78 segments. The
   directory is now read in one.
"""

from __future__ import annotations

import operator
import pickle
import struct
import zlib
from array import array
from itertools import chain
from typing import Any

import numpy as np
from whoosh.codec import whoosh3
from whoosh.columns import VarBytesColumn
from whoosh.filedb import filetables
from whoosh.filedb.structfile import BufferFile
from whoosh.util.numeric import length_to_byte

_original = whoosh3.W3PerDocReader._cached_reader
PEEK = 256  # bytes a peek returns: a block header is about 30


def _cached_reader(self, fieldname, column):
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    self._readers[fieldname] = reader
    return reader


def _buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
    self._buf, self._name, self.onclose = buf, name, onclose
    self.is_real, self.is_closed = False, False


class _BufferStream:
    """The file operations Whoosh's StructFile uses, over a buffer, without copying it."""

    def __init__(self, buf: Any):
        self._buf, self._pos = memoryview(buf), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        data = self._buf[self._pos:end].tobytes()
        self._pos = end
        return data

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead, without moving: the C unpickler prefetches with peek, where it otherwise
        reads an opcode at a time (some 20 reads for each posting block's header)."""
        return self._buf[self._pos:self._pos + PEEK].tobytes()

    def readline(self, size: int = -1) -> bytes:
        rest = self._buf[self._pos:] if size is None or size < 0 else self._buf[self._pos:self._pos + size]
        found = rest.tobytes().find(b"\n")  # lines are only read from small files (pickled headers)
        return self.read(found + 1 if found >= 0 else len(rest))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def seek(self, position: int, whence: int = 0) -> int:
        self._pos = position + (self._pos if whence == 1 else len(self._buf) if whence == 2 else 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")


COMPRESSED_BLOCK = 64  # bytes of pickled block data below which zlib is not worth its call


def _write_block(self: Any, last: bool = False) -> None:
    """W3PostingsWriter._write_block, its block data pickled with protocol 4."""
    if not self._blockcount:
        self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    ids, weights = self._ids, self._weights
    # what _mini_ids gives (a vector's byte ids as they are), the gaps found in C, not by a generator
    gaps = self._mini_ids() if self._byteids else tuple(map(operator.sub, ids, chain((0,), ids)))
    if weights.count(1.0) == len(weights):  # what _mini_weights gives, counted in C
        same: Any = None
    else:
        same = weights[0] if weights.count(weights[0]) == len(weights) else tuple(weights)
    databytes = pickle.dumps((gaps, same, self._mini_values()), 4)
    compression = self._compression if len(databytes) >= COMPRESSED_BLOCK else 0
    if compression:
        databytes = zlib.compress(databytes, compression)
    info = (len(ids), ids[-1], self._maxweight, compression,
            length_to_byte(self._minlength), length_to_byte(self._maxlength))
    infobytes = pickle.dumps(info, 2)
    length = len(infobytes) + len(databytes)
    self._postfile.write_int(-length if last else length)  # the last block's length is negative
    self._postfile.write(infobytes)
    self._postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


def _read_offsets_and_lengths(self: Any) -> None:
    """VarBytesColumn.Reader's, with the offsets of a column written without them summed by numpy."""
    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lengths_code = chr(dbfile.get_byte(lastbyte))
    if lengths_code == "X":  # written with its offsets
        whoosh_read_offsets_and_lengths(self)
        return
    lengths = dbfile.get_array(lastbyte - struct.calcsize(lengths_code) * doccount, lengths_code, doccount)
    offsets = np.zeros(doccount, dtype=np.uint64)
    np.cumsum(np.asarray(lengths, dtype=np.uint64)[:-1], out=offsets[1:])
    self._offsets, self._lengths = array("L", offsets.tobytes()), lengths


def _hash_reader_init(self: Any, dbfile: Any, length: int | None = None, magic: bytes = b"HSH3",
                      startoffset: int = 0) -> None:
    """HashReader.__init__, its directory of hash tables read in one call."""
    self.dbfile, self.startoffset, self.is_closed = dbfile, startoffset, False
    if length is None:
        dbfile.seek(0, 2)
        length = dbfile.tell() - startoffset
    dbfile.seek(startoffset)
    if dbfile.read(4) != magic:
        raise filetables.FileFormatError(f"Unknown file header {dbfile.get(startoffset, 4)!r}")
    self.hashtype = dbfile.read_byte()
    self.hashfn = filetables._hash_functions[self.hashtype]
    dbfile.read_int()  # two ints kept for future use
    dbfile.read_int()
    self.startofdata = dbfile.tell()
    end = startoffset + length - filetables._INT_SIZE
    extras = end - dbfile.get_int(end)  # the extras' length is the file's last int
    dbfile.seek(extras)
    self._read_extras()
    directory = dbfile.get(extras - filetables._directory_size, filetables._directory_size)
    self.tables = list(filetables._dir_entry.iter_unpack(directory))  # (position, slots) of each table
    self.endofdata = self.tables[0][0]
    dbfile.seek(extras)  # where Whoosh's reading of the directory leaves the file


def _buffer_stream(self: Any) -> _BufferStream:
    stream = self.__dict__.get("_stream")
    if stream is None:
        stream = self.__dict__["_stream"] = _BufferStream(self._buf)
    return stream


whoosh_write_block = whoosh3.W3PostingsWriter._write_block  # tests write Whoosh's own blocks with it
whoosh_read_offsets_and_lengths = VarBytesColumn.Reader._read_offsets_and_lengths
VarBytesColumn.Reader._read_offsets_and_lengths = _read_offsets_and_lengths
whoosh_hash_reader_init = filetables.HashReader.__init__
filetables.HashReader.__init__ = _hash_reader_init
whoosh3.W3PerDocReader._cached_reader = _cached_reader
whoosh3.W3PostingsWriter._write_block = _write_block
BufferFile.__init__ = _buffer_file_init
BufferFile.file = property(_buffer_stream)
