"""Coordinator pages: the verification queue, all postings and contact requests, bulk import."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from matchmaker import contacts
from matchmaker.extensions import db
from matchmaker.models import IndexOperation, Notification, Organization, Posting, Project, User

PASSWORD = "correct horse battery"


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def coordinator(client, make_user):
    user, _ = make_user(role="coordinator")
    login(client, user)
    return user


# --- verification queue --------------------------------------------------------------------


def test_verifying_from_the_queue_makes_the_postings_public_and_searchable(
    client, app, make_org, make_user, make_posting
):
    org = make_org(verified=False, name="贵州装备职业学院", kind="school", contact_name="王老师")
    make_posting(org, title="数控技术专业（高职专科）")
    assert client.get("/api/v1/search?q=数控技术").json["total"] == 0
    user, _ = make_user(role="coordinator")
    login(client, user)

    queue = client.get("/coordinator/organizations").get_data(as_text=True)
    verified = client.post(f"/coordinator/organizations/{org.id}/verify", data={"show": "pending"})
    after = client.get(verified.headers["Location"]).get_data(as_text=True)

    assert "贵州装备职业学院" in queue and "王老师" in queue and "共 1 条，其中已发布 1 条" in queue
    assert verified.status_code == 302
    assert "已认证「贵州装备职业学院」" in after and "没有待审核的机构" in after
    found = client.get("/api/v1/search?q=数控技术").json
    assert found["total"] == 1 and found["results"][0]["organization"]["name"] == "贵州装备职业学院"
    assert "贵州装备职业学院" in client.get("/coordinator/organizations?show=verified").get_data(as_text=True)


def test_the_queue_lists_new_organizations_before_rejected_ones(client, app, make_org, coordinator):
    rejected = make_org(verified=False, name="甲机构（曾被退回）")
    make_org(verified=False, name="乙机构（新注册）")
    make_org(name="丙机构（已认证）")
    client.post(
        f"/coordinator/organizations/{rejected.id}/reject", data={"reason": "营业执照照片不清晰"}, follow_redirects=True
    )

    page = client.get("/coordinator/organizations").get_data(as_text=True)

    assert page.index("乙机构（新注册）") < page.index("甲机构（曾被退回）")
    assert "营业执照照片不清晰" in page and "丙机构（已认证）" not in page
    assert "丙机构（已认证）" in client.get("/coordinator/organizations?show=verified").get_data(as_text=True)


def test_rejecting_needs_a_reason_shown_beside_the_field_and_stores_it(client, app, make_org, coordinator):
    org = make_org(verified=False, name="贵州某某科技有限公司")

    empty = client.post(f"/coordinator/organizations/{org.id}/reject", data={"reason": "  "})
    page = empty.get_data(as_text=True)
    done = client.post(f"/coordinator/organizations/{org.id}/reject", data={"reason": "请补充统一社会信用代码。"})

    assert empty.status_code == 422
    assert re.search(rf'id="reason-{org.id}-error"[^>]*>请说明不予认证的原因。', page)
    assert f'aria-describedby="reason-{org.id}-error"' in page
    assert done.status_code == 302
    with app.app_context():
        stored = db.session.get(Organization, org.id)
        assert stored.rejection_reason == "请补充统一社会信用代码。" and stored.rejected_at is not None
        assert stored.verified_at is None


def test_unknown_organization_is_404(client, coordinator):
    assert client.post("/coordinator/organizations/999/verify").status_code == 404


@pytest.mark.parametrize(
    "path", ["/coordinator/organizations", "/coordinator/postings", "/coordinator/contacts", "/coordinator/import"]
)
def test_members_get_403_and_visitors_are_sent_to_log_in(client, make_org, make_user, path):
    assert client.get(path).status_code == 302  # not logged in: the login page
    user, _ = make_user(org=make_org())
    login(client, user)

    assert client.get(path).status_code == 403


def test_members_cannot_verify_or_reject(client, app, make_org, make_user):
    org = make_org(verified=False)
    user, _ = make_user(org=make_org())
    login(client, user)

    assert client.post(f"/coordinator/organizations/{org.id}/verify").status_code == 403
    assert client.post(f"/coordinator/organizations/{org.id}/reject", data={"reason": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(Organization, org.id).verified_at is None


# --- postings and contact requests ----------------------------------------------------------


def test_all_postings_with_filters_and_pages(client, make_org, make_posting, coordinator):
    org = make_org(verified=False, name="未认证机构")
    make_posting(org, title="数控技术专业", direction="offer")
    make_posting(org, title="招聘数控操作工", direction="need", category="talent")
    make_posting(org, title="草稿中的需求", direction="need", category="technology", status="draft")

    everything = client.get("/coordinator/postings").get_data(as_text=True)
    needs = client.get("/coordinator/postings?direction=need").get_data(as_text=True)
    drafts = client.get("/coordinator/postings?status=draft").get_data(as_text=True)
    first_page = client.get("/coordinator/postings?direction=need&page_size=1").get_data(as_text=True)
    bad = client.get("/coordinator/postings?direction=sideways")

    assert all(title in everything for title in ("数控技术专业", "招聘数控操作工", "草稿中的需求"))
    assert "共 3 条" in everything and "未认证" in everything
    assert "招聘数控操作工" in needs and "数控技术专业" not in needs
    assert "草稿中的需求" in drafts and "招聘数控操作工" not in drafts
    assert "第 1 / 2 页" in first_page
    assert re.search(r'href="/coordinator/postings\?[^"]*page=2', first_page)
    assert "direction=need" in re.search(r'href="(/coordinator/postings\?[^"]*page=2[^"]*)"', first_page).group(1)
    assert bad.status_code == 422 and 'id="direction-error"' in bad.get_data(as_text=True)


def test_all_contact_requests_with_status_and_dates(client, app, make_org, make_user, coordinator):
    school = make_org(name="遵义职业技术学院", kind="school")
    sender, _ = make_user(org=make_org(name="贵州湄潭云雾茶业有限公司"))
    with app.app_context():
        contacts.request_contact(
            db.session.get(User, sender.id), db.session.get(Organization, school.id), message="想了解茶叶专业订单班。"
        )
        db.session.commit()

    page = client.get("/coordinator/contacts").get_data(as_text=True)

    assert "贵州湄潭云雾茶业有限公司" in page and "遵义职业技术学院" in page
    assert "想了解茶叶专业订单班。" in page and "待答复" in page
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", page)


# --- bulk import -----------------------------------------------------------------------------

ORG = {
    "type": "organization",
    "ref": "ORG-1",
    "name": "贵州湄潭云雾茶业有限公司",
    "kind": "enterprise",
    "subtype": "中小微企业",
    "region": "520328",
    "sectors": "tea",
}
SCHOOL = {
    "type": "organization",
    "ref": "SCH-1",
    "name": "遵义职业技术学院",
    "kind": "school",
    "subtype": "高职院校",
    "region": "遵义市",
    "sectors": "茶叶",
}
NEED = {
    "type": "posting",
    "ref": "P-1",
    "org": "ORG-1",
    "direction": "need",
    "category": "apprenticeship",
    "title": "茶叶加工现代学徒制合作",
    "description": "招收学徒 10 名，学习绿茶加工工艺。",
    "sectors": "tea",
    "status": "published",
    "quantity": "10",
}
BAD = {
    "type": "posting",
    "ref": "P-2",
    "org": "SCH-1",
    "direction": "offer",
    "category": "program",
    "title": "",
    "sectors": "茶叶;火星农业",
}


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=sorted({key for row in rows for key in row}))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(client, content: bytes, name: str = "rows.csv"):
    return client.post(
        "/coordinator/import", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


def upload_id(page: str) -> str:
    return re.search(r'name="upload" value="([0-9a-f]{32})"', page).group(1)


def test_preview_reports_the_bad_row_by_line_and_writes_nothing(client, app, coordinator, count):
    response = upload(client, csv_bytes([ORG, SCHOOL, NEED, BAD]))
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "共 4 行，其中 3 行正确、1 行有误" in page
    row = re.search(r"第 5 行</th>(.*?)</tr>", page, re.S).group(1)  # the header is line 1
    assert "P-2" in row and "「标题」（title）：必填，请填写。" in row and "火星农业" in row
    assert "「产业」（sectors）第 2 项：未知的产业「火星农业」" in row and "sectors.1" not in row
    assert "第 4 行" not in page
    assert "新建机构 2 个" in page and "新建发布 1 条" in page
    assert (count(Organization), count(Posting), count(IndexOperation)) == (0, 0, 0)
    saved = list((Path(app.config["MATCHMAKER_HOME"]) / "uploads").iterdir())
    assert [p.name for p in saved] == [upload_id(page) + ".csv"]


def test_preview_of_a_valid_file_writes_nothing_either(client, coordinator, count):
    page = upload(client, csv_bytes([ORG, SCHOOL, NEED])).get_data(as_text=True)

    assert "共 3 行，其中 3 行正确、0 行有误" in page and "确认导入" in page and "skip_invalid" not in page
    assert (count(Organization), count(Posting), count(IndexOperation)) == (0, 0, 0)
    assert client.get("/coordinator/postings").get_data(as_text=True).count("<tr>") == 0


def test_confirm_with_skip_invalid_imports_the_valid_rows(client, coordinator, count):
    preview = upload(client, csv_bytes([ORG, SCHOOL, NEED, BAD])).get_data(as_text=True)
    upload_ref = upload_id(preview)

    refused = client.post("/coordinator/import/confirm", data={"upload": upload_ref}, follow_redirects=True)
    assert refused.status_code == 200 and "未写入任何数据" in refused.get_data(as_text=True)
    assert count(Organization) == 0

    done = client.post("/coordinator/import/confirm", data={"upload": upload_ref, "skip_invalid": "1"})
    page = client.get(done.headers["Location"]).get_data(as_text=True)

    assert done.status_code == 302 and done.headers["Location"].startswith("/coordinator/import/jobs/")
    assert "导入完成" in page and "已收录 1 / 1 条发布" in page and 'http-equiv="refresh"' not in page
    assert "导入完成" in page and "新建机构 2 个" in page and "新建发布 1 条" in page and "跳过有误的 1 行" in page
    assert (count(Organization), count(Posting)) == (2, 1)
    assert client.get("/api/v1/search?q=茶叶加工学徒制").json["results"][0]["ref"] == "P-1"


def test_jsonl_without_errors_imports_on_confirm(client, coordinator, count):
    content = "\n".join(
        json.dumps({**row, "sectors": [row["sectors"]]}, ensure_ascii=False) for row in (ORG, SCHOOL)
    ).encode()
    preview = upload(client, content, "orgs.jsonl").get_data(as_text=True)

    done = client.post("/coordinator/import/confirm", data={"upload": upload_id(preview)}, follow_redirects=True)

    assert done.status_code == 200 and "新建机构 2 个" in done.get_data(as_text=True)
    assert count(Organization) == 2


def test_an_import_runs_as_a_job_whose_page_shows_its_progress(client, coordinator, count):
    preview = upload(client, csv_bytes([ORG, SCHOOL, NEED])).get_data(as_text=True)
    client.worker_runs = False  # the worker has not come round yet

    confirmed = client.post("/coordinator/import/confirm", data={"upload": upload_id(preview)})
    waiting = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "已排队，共 3 行" in waiting and 'http-equiv="refresh"' in waiting and count(Organization) == 0

    client.worker_runs = True
    client.get("/")  # the worker runs after this request
    done = client.get(confirmed.headers["Location"]).get_data(as_text=True)

    assert "导入完成" in done and "新建发布 1 条" in done and "全部可以搜到" in done
    assert 'http-equiv="refresh"' not in done and (count(Organization), count(Posting)) == (2, 1)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"a,b\n", "rows.xls", "不支持的文件类型"),
        (b"", "", "请选择要导入的文件"),
        (b"\xff\xfe\x00garbage", "rows.csv", "无法读取文件"),
        (b"not a zip", "rows.xlsx", "无法读取文件"),
    ],
)
def test_unsupported_or_unreadable_files_are_refused_clearly(client, coordinator, content, name, message):
    response = upload(client, content, name)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(rf'id="file-error"[^>]*>{message}', page)


@pytest.mark.parametrize(("size", "status"), [(11 * 1024 * 1024, 413), (10 * 1024 * 1024 + 1024, 422)])
def test_files_over_10_mb_are_refused(client, app, coordinator, size, status):
    # An in-memory body: the test client would spool a large `data={"file": …}` to a file it never closes.
    content = b"type,ref\n" + b"x" * size
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "big.csv")})
    response = client.post("/coordinator/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == status and "文件超过 10 MB" in response.get_data(as_text=True)
    uploads = Path(app.config["MATCHMAKER_HOME"]) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_confirm_with_an_unknown_upload(client, coordinator):
    response = client.post("/coordinator/import/confirm", data={"upload": "../../secret_key"})

    assert response.status_code == 422 and "找不到上传的文件" in response.get_data(as_text=True)


def test_an_unreadable_upload_is_named_as_the_user_named_it(client, coordinator):
    page = upload(client, bytes(range(0x80, 0x100)) * 8, "2025年机构名单.csv").get_data(as_text=True)

    assert "无法读取文件「2025年机构名单.csv」：无法识别文件的编码" in page
    assert not re.search(r"[0-9a-f]{32}", page.split("</main>")[0].split("<main")[-1])  # no stored file name
    assert "codec" not in page


def test_a_gbk_csv_previews_and_a_broken_quote_is_refused_with_its_line(client, coordinator):
    gbk = csv_bytes([ORG, SCHOOL, NEED]).decode("utf-8-sig").encode("gbk")  # as Excel saves it on Chinese Windows

    preview = upload(client, gbk, "Excel 导出.csv").get_data(as_text=True)
    broken = upload(client, gbk.replace("遵义职业技术学院".encode("gbk"), '"遵义职业技术学院'.encode("gbk")), "坏.csv")

    assert "共 3 行，其中 3 行正确、0 行有误" in preview and "新建机构 2 个" in preview
    assert broken.status_code == 422
    assert re.search(
        r'id="file-error"[^>]*>无法读取文件「坏.csv」：第 3 行的英文双引号没有配对', broken.get_data(as_text=True)
    )


def test_the_templates_download_and_an_edited_template_imports_its_project(client, app, coordinator, count):
    from openpyxl import load_workbook
    from sqlalchemy import select

    page = client.get("/coordinator/import").get_data(as_text=True)
    xlsx = client.get("/coordinator/import/template.xlsx")
    as_csv = client.get("/coordinator/import/template.csv")

    assert 'href="/coordinator/import/template.xlsx"' in page and 'href="/coordinator/import/template.csv"' in page
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    assert as_csv.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows the Chinese header
    header = next(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["导入数据", "填写说明"]
    assert [cell.value for cell in workbook.worksheets[0][1]] == header

    unchanged = upload(client, xlsx.data, "模板.xlsx").get_data(as_text=True)
    assert "共 4 行，其中 0 行正确、4 行有误" in unchanged and "这是导入模板中的示例行" in unchanged

    for row in workbook.worksheets[0].iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = cell.value.replace("示例-", "T-").replace("某某", "湄潭")
    edited = io.BytesIO()
    workbook.save(edited)
    preview = upload(client, edited.getvalue(), "项目.xlsx").get_data(as_text=True)
    assert "共 4 行，其中 4 行正确、0 行有误" in preview and "新建合作项目 1 个" in preview
    done = client.post("/coordinator/import/confirm", data={"upload": upload_id(preview)}, follow_redirects=True)

    assert "导入完成" in done.get_data(as_text=True) and "新建合作项目 1 个" in done.get_data(as_text=True)
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.ref == "T-PRJ-1"))
        assert project.counted and project.status == "in_progress" and project.created_by_id == coordinator.id
        assert {e.actor_id for e in project.history} == {coordinator.id}
    assert count(Notification) == 0
    shown = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "湄潭职业技术学院（批量导入，由协调员确认）" in shown and "批量导入：按导入文件直接设定状态" in shown
