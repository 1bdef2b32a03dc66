"""The occupation ↔ major crosswalk as a user of matching would notice it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from matchmaker.text import crosswalk

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CNC_NEED = "招聘数控车床操作工，熟悉FANUC系统"


def major_tags(text: str, **kwargs) -> dict[str, tuple[float, str]]:
    return {
        tag.removeprefix("major:"): (weight, why)
        for tag, weight, why in crosswalk.query_tags(text, **kwargs)
        if tag.startswith("major:")
    }


def test_cnc_lathe_need_reaches_cnc_majors_with_the_occupation_in_the_explanation():
    majors = major_tags(CNC_NEED)
    # 数控技术应用 (中职) through 车工's group, 数控技术 (高职, 职教本科) through the CNC occupation.
    assert {"660103", "460103", "260103"} <= majors.keys()
    weight, why = majors["660103"]
    assert weight >= 0.5
    assert why.startswith("车工 → 数控技术应用专业") and "职业面向" in why
    assert "数控技术专业" in majors["460103"][1]
    top = sorted(majors, key=lambda code: -majors[code][0])[:10]
    assert "660103" in top
    assert all(crosswalk.major(code).category_name == "装备制造大类" for code in top)


def test_the_job_title_is_recognized_as_an_occupation_with_evidence():
    matches = crosswalk.recognize_occupations(CNC_NEED)
    assert matches[0].name == "车工"
    assert "数控车床操作工" in matches[0].evidence
    assert 0 < matches[-1].score <= matches[0].score <= 1
    assert "6-18-01-07" in {m.code for m in matches}  # 多工序数控机床操作调整工, by its definition


def test_tea_processing_job_title_reaches_the_tea_majors():
    majors = major_tags("茶叶加工技术员")
    top = sorted(majors, key=lambda code: -majors[code][0])[:5]
    assert "410107" in top  # 茶叶生产与加工技术 (高职专科)
    assert "610107" in top  # 茶叶生产与加工 (中职)
    assert "茶叶加工工" in majors["410107"][1]


def test_a_duties_paragraph_without_a_job_title_finds_the_occupation_family():
    duties = "负责老人的日常生活照料，协助老人进食、洗浴、翻身，观察老人身体状况并做好记录"
    matches = crosswalk.recognize_occupations(duties)
    assert matches[0].name == "养老护理员"
    assert matches[0].evidence.startswith("职业定义相近")
    assert matches[0].score < 0.8  # a description is weaker evidence than a named title

    machining = "负责操作车床、铣床对零件进行切削加工，按图纸要求完成工件加工并自检尺寸"
    codes = [m.code for m in crosswalk.recognize_occupations(machining, limit=3)]
    assert all(code.startswith("6-18-01-") for code in codes)  # 机械冷加工人员


def test_majors_for_follows_the_occupation_group_and_names_the_sources():
    links = crosswalk.majors_for(["6-18-01-01"])  # 车工
    via_group = [link for link in links["660103"] if link.linked_code == "6-18-01-00"]
    assert via_group and via_group[0].sources == ("profile",)
    assert links["660102"][0].sources == ("mohrss",)  # 机械加工技术, linked to 车工 itself
    assert all(0 < link.strength <= 1 for found in links.values() for link in found)


def test_program_title_tags_the_major_code_of_the_stated_level():
    assert crosswalk.document_tags("offer", "program", "数控技术专业（高职专科）招生", "") == ("major:460103",)
    assert crosswalk.document_tags("offer", "program", "茶叶生产与加工专业（中职）", "本专业培养茶叶生产人才") == (
        "major:610107",
    )
    # Without a level, every code with the name.
    assert {m.code for m in crosswalk.majors_in_text("数控技术专业招生")} == {"260103", "460103"}
    # In a description only "…专业" counts: a course or a field named in passing does not.
    assert crosswalk.document_tags("offer", "program", "订单班", "课程包括护理学基础") == ()
    assert crosswalk.document_tags("offer", "program", "订单班", "面向护理专业（高职专科）学生") == ("major:520201",)


def test_job_postings_are_tagged_with_the_occupations_they_name():
    tags = crosswalk.document_tags("need", "talent", "招聘数控车工", "岗位职责：操作数控车床加工零件")
    assert "occupation:6-18-01-01" in tags
    assert not any(
        t.startswith("occupation:")
        for t in crosswalk.document_tags("offer", "program", "数控技术专业（高职专科）", "培养数控车工")
    )


def test_a_need_naming_a_major_reaches_it_and_a_program_reaches_its_occupations():
    majors = major_tags("招聘数控技术专业应届毕业生")
    assert majors["460103"][0] == 1.0 and "数控技术专业" in majors["460103"][1]
    occupation_tags = {
        t for t, _, _ in crosswalk.query_tags("茶叶生产与加工技术专业（高职专科）") if t.startswith("occupation:")
    }
    assert "occupation:6-02-06-10" in occupation_tags  # 茶叶加工工


def test_traditional_chinese_input_works_like_simplified():
    assert major_tags("招聘數控車床操作工，熟悉FANUC系統").keys() == major_tags(CNC_NEED).keys()
    assert [m.code for m in crosswalk.majors_in_text("數控技術專業（高職專科）")] == ["460103"]


@pytest.mark.parametrize("text", ["", "asdfgh qwerty", "谢谢大家的支持，明天下午开会", "你好"])
def test_unknown_text_gives_nothing(text):
    assert crosswalk.recognize_occupations(text) == []
    assert crosswalk.query_tags(text) == []


def test_excluding_a_source_removes_its_evidence():
    for _, _, why in crosswalk.query_tags(CNC_NEED, sources=("mohrss",)):
        assert "职业面向" not in why
    # 数控技术应用's profile names 数控车工; without it only weaker MOHRSS links through 车工's group remain.
    assert major_tags("数控车工")["660103"][0] > major_tags("数控车工", sources=("mohrss",))["660103"][0]


def test_sectors_of_tags():
    assert "tea" in crosswalk.sectors_of("major:410107")
    assert "advanced_equipment" in crosswalk.sectors_of("occupation:6-18-01-01")
    assert "liquor_tobacco" in crosswalk.sectors_of("industry:1512")
    assert crosswalk.sectors_of("major:no-such-code") == frozenset()


def test_calls_are_fast_after_loading():
    crosswalk.load()
    paragraph = (
        "岗位职责：1、负责数控车床的操作与日常维护保养；2、按图纸和工艺要求完成零件加工，做好首件自检；"
        "3、配合质检员完成产品检验，记录生产数据。任职要求：中专及以上学历，机械、数控相关专业，"
        "熟悉FANUC、SIEMENS系统，能看懂机械图纸，有两年以上工作经验者优先。"
    ) * 3
    timings = []
    for text in [CNC_NEED, "茶叶加工技术员", paragraph] * 5:
        start = time.perf_counter()
        crosswalk.query_tags(text)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.02


def test_import_does_no_work_and_pulls_no_embedding_library():
    code = (
        "import sys, matchmaker.text.crosswalk as c; "
        "assert c._load.cache_info().currsize == 0; "
        "assert 'sentence_transformers' not in sys.modules and 'bm25s' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


def test_committed_crosswalk_is_current(tmp_path: Path):
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "build_crosswalk.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    committed = PROJECT_ROOT / "matchmaker" / "data" / "crosswalk"
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in committed.iterdir())
    for name in built:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), (
            f"matchmaker/data/crosswalk/{name} is stale: run python scripts/build_crosswalk.py"
        )
