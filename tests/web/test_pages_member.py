"""Member pages: the organization profile, postings, recommended matches, marks and contact requests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from matchmaker import accounts, organizations
from matchmaker.extensions import db
from matchmaker.models import ContactRequest, MatchMark, Organization, Posting
from tests.helpers import beside, text

PASSWORD = "correct horse battery"


@pytest.fixture
def login(app, make_user):
    """A logged-in test client for a new member of `org`: `client, token = login(org)`."""

    def log_in(org):
        user, token = make_user(org=org)
        client = app.test_client()
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        return client, token

    return log_in


@pytest.fixture
def factory(make_org):
    return make_org(
        kind="enterprise",
        name="贵阳精密机械有限公司",
        region="520115",
        sectors=["advanced_equipment"],
        contact_name="李工",
        contact_email="hr@jingmi.cn",
        contact_phone="0851-1234567",
    )


@pytest.fixture
def school(make_org):
    return make_org(
        kind="school",
        name="贵州装备职业学院",
        region="520115",
        contact_name="张老师",
        contact_email="zhaosheng@zbxy.edu.cn",
    )


# What the schools' postings say unless a test tells otherwise.
PROGRAM = {
    "title": "数控技术专业",
    "description": "培养数控编程与加工人才，开设数控车床、加工中心实训。",
    "sectors": ["advanced_equipment"],
}


def posting_form(**changes) -> dict:
    form = {
        "direction": "need",
        "category": "talent",
        "title": "招聘数控车床操作工",
        "description": "熟悉数控编程，能独立操作数控车床。",
        "sectors": ["advanced_equipment"],
        "region": "520115",
        "quantity": "10",
        "starts_on": "",
        "ends_on": "",
        "valid_until": "",
        "status": "published",
    }
    form.update(changes)
    return form


def created_id(response) -> int:
    match = re.fullmatch(r"/my/postings/(\d+)/matches", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


# --- access ---------------------------------------------------------------------------------------


def test_member_pages_need_a_member(client, make_user, factory):
    coordinator, _ = make_user(role="coordinator")
    client.post("/login", data={"email": coordinator.email, "password": PASSWORD})

    assert client.get("/my/postings").status_code == 403
    assert client.get("/contacts").status_code == 403
    client.post("/logout")
    anonymous = client.get("/my/organization")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_another_organizations_postings_are_not_found(login, factory, school, make_posting):
    program = make_posting(school, **PROGRAM)
    member, _ = login(factory)

    assert member.get(f"/my/postings/{program.id}/edit").status_code == 404
    assert member.post(f"/my/postings/{program.id}/edit", data=posting_form()).status_code == 404
    assert member.get(f"/my/postings/{program.id}/matches").status_code == 404
    assert member.post(f"/my/postings/{program.id}/close").status_code == 404
    assert (
        member.post(
            f"/my/postings/{program.id}/marks", data={"counterpart_id": program.id, "mark": "interested"}
        ).status_code
        == 404
    )
    with member.application.app_context():
        assert db.session.get(Posting, program.id).status == "published"


# --- the organization -------------------------------------------------------------------------------


def test_organization_page_shows_the_verification_state(app, login, make_org, make_user):
    pending, rejected = make_org(verified=False), make_org(verified=False)
    with app.app_context():
        organizations.reject_organization(
            db.session.get(Organization, rejected.id), accounts.OPERATOR, "营业执照照片不清晰"
        )
        db.session.commit()

    def state(org):
        return text(login(org)[0].get("/my/organization"))

    assert "已认证" in state(make_org())
    assert "待认证" in state(pending) and "已认证" not in state(pending)
    assert "未通过" in state(rejected) and "营业执照照片不清晰" in state(rejected)


def test_organization_profile_is_edited_with_the_apis_messages(app, login, factory):
    member, _ = login(factory)
    form = {
        "name": "贵阳精密机械股份有限公司",
        "kind": "enterprise",
        "subtype": "规上企业",
        "region": "520102",
        "sectors": ["advanced_equipment", "basic_materials"],
        "description": "数控机床零部件。",
        "website": "",
        "contact_name": "李工",
        "contact_phone": "",
        "contact_email": "hr@jingmi.cn",
    }

    bad = member.post("/my/organization", data={**form, "name": "", "contact_email": "hr at jingmi"})
    good = member.post("/my/organization", data=form)

    assert bad.status_code == 400
    assert beside(bad) == {"name": ["不能为空。"], "contact_email": ["不是有效的电子邮件地址。"]}
    assert good.status_code == 302 and good.headers["Location"] == "/my/organization"
    assert "机构资料已保存" in text(member.get("/my/organization"))
    with app.app_context():
        org = db.session.get(Organization, factory.id)
        assert (org.name, org.subtype, org.region_code, org.sectors, org.contact_phone) == (
            "贵阳精密机械股份有限公司",
            "规上企业",
            "520102",
            ["advanced_equipment", "basic_materials"],
            None,
        )


# --- the posting form --------------------------------------------------------------------------------


def test_posting_form_shows_the_apis_messages_beside_each_field_and_writes_nothing(client, login, factory, count):
    member, token = login(factory)
    headers = {"Authorization": f"Bearer {token}"}
    long = "长" * 5001

    response = member.post("/my/postings/new", data=posting_form(title="", description=long))
    api = client.post(
        "/api/v1/postings",
        headers=headers,
        json={"direction": "need", "category": "talent", "title": "", "description": long},
    ).json

    assert response.status_code == 400
    messages = beside(response)
    assert messages == {"title": ["不能为空。"], "description": ["不能超过 5000 个字符（现为 5001 个）。"]}
    assert {e["field"]: [e["message_zh"]] for e in api["errors"]} == messages

    dates = {"starts_on": "2030-09-01", "ends_on": "2030-07-01"}
    invariant = member.post("/my/postings/new", data=posting_form(**dates))
    api = client.post(
        "/api/v1/postings",
        headers=headers,
        json={"direction": "need", "category": "talent", "title": "招聘数控车床操作工", **dates},
    ).json

    assert invariant.status_code == 400
    assert beside(invariant) == {"ends_on": ["结束日期不能早于开始日期。"]}
    assert {e["field"]: [e["message_zh"]] for e in api["errors"]} == beside(invariant)
    page = text(invariant)
    assert 'value="招聘数控车床操作工"' in page and 'value="2030-09-01"' in page  # what was typed stays
    assert count(Posting) == 0


def test_the_posting_form_offers_chinese_categories_and_defaults_to_the_organization(login, factory):
    member, _ = login(factory)

    page = text(member.get("/my/postings/new"))

    assert "人才（需求：招聘岗位、用人需求｜供给：毕业生与人才推荐）" in page
    assert '<option value="520115" selected>' in page
    assert re.search(r'value="advanced_equipment"\s+checked', page)
    assert re.search(r'value="need"\s+checked', page)


def test_a_new_need_leads_to_the_complementary_school_program_with_reasons(login, factory, school, make_posting):
    program = make_posting(school, **PROGRAM)
    make_posting(school, **{**PROGRAM, "category": "mentor", "title": "数控技术导师"})  # does not answer a talent need
    member, _ = login(factory)

    response = member.post("/my/postings/new", data=posting_form())
    posting_id = created_id(response)
    page = text(member.get(response.headers["Location"]))

    assert "已发布" in page and "数控技术专业" in page and "贵州装备职业学院" in page
    assert "数控技术导师" not in page
    assert "推荐理由" in page and "企业的人才需求；专业与课程供给可以答复" in page
    assert "同一区县" in page and "共同产业：先进装备制造" in page
    assert "<mark>数控</mark>" in page or "<mark>数控技术</mark>" in page
    assert f'name="counterpart_id" value="{program.id}"' in page
    assert f'name="to_organization_id" value="{school.id}"' in page
    assert f'name="from_posting_id" value="{posting_id}"' in page
    with member.application.app_context():
        posting = db.session.get(Posting, posting_id)
        assert (posting.status, posting.quantity, posting.region_code) == ("published", 10, "520115")


def test_matches_escape_everything_but_the_snippet_marks(login, factory, school, make_posting):
    make_posting(
        school,
        **{
            **PROGRAM,
            "title": "数控技术专业<script>alert(1)</script>",
            "description": "<img src=x onerror=alert(1)> 数控编程",
        },
    )
    member, _ = login(factory)

    page = text(member.get(member.post("/my/postings/new", data=posting_form()).headers["Location"]))

    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_draft_publish_and_close_from_my_postings(login, factory):
    member, _ = login(factory)
    posting_id = created_id(member.post("/my/postings/new", data=posting_form(status="draft")))

    draft = text(member.get("/my/postings"))
    member.post(f"/my/postings/{posting_id}/publish")
    published = text(member.get("/my/postings"))
    member.post(f"/my/postings/{posting_id}/close")
    closed = text(member.get("/my/postings"))

    assert "草稿" in draft and f'action="/my/postings/{posting_id}/publish"' in draft and "未公开" in draft
    assert "已发布" in published and "公开可见" in published and "有效期至" in published
    assert f'action="/my/postings/{posting_id}/publish"' not in published
    assert "已关闭" in closed and "重新发布" in closed
    assert f'href="/my/postings/{posting_id}/matches"' in closed and f'href="/my/postings/{posting_id}/edit"' in closed


def test_editing_a_posting_confirms_suggested_tags(app, login, factory):
    member, _ = login(factory)
    posting_id = created_id(member.post("/my/postings/new", data=posting_form()))

    edit = text(member.get(f"/my/postings/{posting_id}/edit"))
    suggested = re.findall(r'name="tags" value="([^"]+)"', edit)
    assert suggested and 'value="招聘数控车床操作工"' in edit

    bad = member.post(f"/my/postings/{posting_id}/edit", data=posting_form(title="x", tags=[suggested[0]]))
    saved = member.post(
        f"/my/postings/{posting_id}/edit",
        data=posting_form(title="招聘数控车床操作工（急聘）", quantity="", tags=[suggested[0]]),
    )
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        first = (posting.title, posting.quantity, posting.tags)
    confirmed = text(member.get(f"/my/postings/{posting_id}/edit"))
    cleared = member.post(f"/my/postings/{posting_id}/edit", data=posting_form())

    assert bad.status_code == 400 and beside(bad) == {"title": ["至少需要 2 个字符。"]}
    assert saved.status_code == 302 and saved.headers["Location"] == f"/my/postings/{posting_id}/matches"
    assert first == ("招聘数控车床操作工（急聘）", None, [suggested[0]])
    assert re.search(rf'value="{re.escape(suggested[0])}"\s+checked', confirmed)
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.get(Posting, posting_id).tags is None  # none confirmed: read from the text


def test_valid_until_at_most_a_year_ahead(login, factory, count):
    member, _ = login(factory)
    too_late = (date.today() + timedelta(days=400)).isoformat()

    response = member.post("/my/postings/new", data=posting_form(valid_until=too_late))

    assert response.status_code == 400 and beside(response)["valid_until"][0].startswith("最长有效期为一年")
    assert count(Posting) == 0


# --- matches and marks ---------------------------------------------------------------------------------


def test_marks_move_uninteresting_matches_to_the_end(app, login, factory, school, make_org, make_posting):
    other_school = make_org(kind="school", region="520115")
    first = make_posting(school, **PROGRAM)
    second = make_posting(other_school, **{**PROGRAM, "title": "数控技术应用专业（中职）"})
    member, _ = login(factory)
    posting_id = created_id(member.post("/my/postings/new", data=posting_form()))
    matches = f"/my/postings/{posting_id}/matches"

    ordered = text(member.get(matches))
    top = first if ordered.index(f'id="match-{first.id}"') < ordered.index(f'id="match-{second.id}"') else second
    rest = second if top is first else first
    marks = f"/my/postings/{posting_id}/marks"
    response = member.post(marks, data={"counterpart_id": top.id, "mark": "not_interested"})
    member.post(marks, data={"counterpart_id": rest.id, "mark": "interested"})
    bad = member.post(marks, data={"counterpart_id": rest.id, "mark": "maybe"})
    refused = text(member.get(matches))
    page = text(member.get(matches))

    assert response.status_code == 302 and response.headers["Location"] == f"{matches}#match-{top.id}"
    assert bad.status_code == 302 and "须为 interested 或 not_interested。" in refused
    unwanted_section = page.index("已标记为不感兴趣（1 条）")
    assert page.index(f'id="match-{rest.id}"') < unwanted_section < page.index(f'id="match-{top.id}"')
    assert "已标记：感兴趣" in page and "已标记：不感兴趣" in page
    with app.app_context():
        marks = {m.counterpart_id: m.mark for m in db.session.query(MatchMark)}
    assert marks == {top.id: "not_interested", rest.id: "interested"}


def test_matches_page_says_when_the_index_is_unavailable(app, login, factory):
    member, _ = login(factory)
    posting_id = created_id(member.post("/my/postings/new", data=posting_form()))
    for leftover in (Path(app.config["MATCHMAKER_HOME"]) / "search").glob("index.sqlite*"):
        leftover.unlink()

    response = member.get(f"/my/postings/{posting_id}/matches")

    assert response.status_code == 503
    assert "匹配推荐暂时无法提供" in text(response) and "招聘数控车床操作工" in text(response)


# --- contact requests ------------------------------------------------------------------------------------


def test_a_contact_request_accepted_shows_each_side_the_others_details(app, login, factory, school, make_posting):
    school_member, _ = login(school)
    program = make_posting(school, **PROGRAM)
    member, _ = login(factory)
    posting_id = created_id(member.post("/my/postings/new", data=posting_form()))
    back = f"/my/postings/{posting_id}/matches"

    sent = member.post(
        "/contacts/new",
        data={
            "to_organization_id": school.id,
            "to_posting_id": program.id,
            "from_posting_id": posting_id,
            "message": "希望合作开设订单班",
            "next": back,
        },
    )
    again = member.post("/contacts/new", data={"to_organization_id": school.id, "next": back})
    after_sending = text(member.get(back))
    asked = text(member.get("/contacts"))
    received = text(school_member.get("/contacts"))

    assert sent.status_code == 302 and sent.headers["Location"] == back
    assert "已发送联系请求" in after_sending and "已向该机构发送过联系请求，正在等待对方答复。" in after_sending
    assert again.status_code == 302
    assert "等待答复" in asked and "希望合作开设订单班" in asked and "数控技术专业" in asked
    assert "zhaosheng@zbxy.edu.cn" not in asked and "hr@jingmi.cn" not in received
    assert "贵阳精密机械有限公司" in received and "接受" in received and "婉拒" in received

    with app.app_context():
        contact_id = db.session.query(ContactRequest).one().id
    assert member.post(f"/contacts/{contact_id}/answer", data={"accept": "1"}).status_code == 403  # not theirs
    answered = school_member.post(f"/contacts/{contact_id}/answer", data={"accept": "1"})

    assert answered.status_code == 302
    school_page, factory_page = text(school_member.get("/contacts")), text(member.get("/contacts"))
    assert "已接受" in school_page and "hr@jingmi.cn" in school_page and "李工" in school_page
    assert "已接受" in factory_page and "zhaosheng@zbxy.edu.cn" in factory_page and "张老师" in factory_page
    assert f'action="/contacts/{contact_id}/answer"' not in school_page
    assert "已与该机构建立联系" in text(member.get(back))


def test_a_declined_request_shows_no_details(app, client, login, factory, school):
    school_member, _ = login(school)
    member, _ = login(factory)
    member.post("/contacts/new", data={"to_organization_id": school.id})
    with app.app_context():
        contact_id = db.session.query(ContactRequest).one().id

    school_member.post(f"/contacts/{contact_id}/answer", data={"accept": "0"})
    twice = school_member.post(f"/contacts/{contact_id}/answer", data={"accept": "1"})

    page, school_page = text(member.get("/contacts")), text(school_member.get("/contacts"))
    assert "已婉拒" in page and "zhaosheng@zbxy.edu.cn" not in page
    assert "已婉拒" in school_page and "hr@jingmi.cn" not in school_page
    assert twice.status_code == 302 and "该请求已答复。" in school_page


def test_bad_contact_requests_go_back_with_the_reason(login, factory, make_org, count):
    member, _ = login(factory)
    unverified = make_org(verified=False)

    own = member.post("/contacts/new", data={"to_organization_id": factory.id, "next": "/my/postings"})
    own_page = text(member.get("/my/postings"))
    hidden = member.post("/contacts/new", data={"to_organization_id": unverified.id, "next": "https://evil.example/"})
    hidden_page = text(member.get("/contacts"))
    garbage = member.post("/contacts/new", data={"to_organization_id": "abc", "next": "//evil.example/"})

    assert own.headers["Location"] == "/my/postings" and "不能联系本机构。" in own_page
    assert hidden.headers["Location"] == "/contacts" and f"机构不存在：{unverified.id}" in hidden_page
    assert garbage.headers["Location"] == "/contacts"
    assert count(ContactRequest) == 0
