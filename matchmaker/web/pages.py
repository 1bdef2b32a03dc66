"""Server-rendered pages: home, log in, log out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from matchmaker import accounts, postings
from matchmaker.extensions import db
from matchmaker.models import Organization, Posting

bp = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    email = EmailField("电子邮箱", validators=[DataRequired(message="请输入电子邮箱")])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码")])


@bp.get("/")
def home():
    viewer = current_user if current_user.is_authenticated else None
    visible = postings.visible_postings(viewer).subquery()
    counts = dict(db.session.execute(select(visible.c.direction, func.count()).group_by(visible.c.direction)).all())
    latest = db.session.scalars(postings.visible_postings(viewer).order_by(Posting.id.desc()).limit(20)).all()
    org_count = db.session.scalar(select(func.count(Organization.id)).where(Organization.verified_at.is_not(None)))
    return render_template("home.html", counts=counts, latest=latest, org_count=org_count)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("pages.home"))
        form.password.errors.append("邮箱或密码不正确")
    return render_template("login.html", form=form), (200 if request.method == "GET" or form.errors == {} else 400)


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录")
    return redirect(url_for("pages.home"))


def _safe_next(target: str | None) -> str | None:
    """Only local paths, so a crafted link cannot send a user elsewhere after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None
