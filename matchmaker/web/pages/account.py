"""Accounts: register an organization with its first member, log in and log out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from matchmaker import accounts, organizations
from matchmaker.errors import InvalidInput, Message
from matchmaker.extensions import limiter
from matchmaker.schemas.organizations import OrganizationInSchema
from matchmaker.web.pages import (
    ORGANIZATION_FORM,
    ORGANIZATION_TEXT_FIELDS,
    FieldErrors,
    field_errors,
    form_options,
    load_form,
    safe_local_path,
    submitted_values,
)
from matchmaker.web.transaction import after_commit

bp = Blueprint("account", __name__)
# Successful sign-ups per client address: enough for a school's staff, too few for a spam run.
REGISTRATION_LIMIT = "10 per hour"


class LoginForm(FlaskForm):
    email = EmailField("电子邮箱", validators=[DataRequired(message="请输入电子邮箱")])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码")])


def login_limit() -> str:
    return current_app.config["MATCHMAKER_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    login_limit,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message="登录尝试过于频繁，请稍后再试。",
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_local_path(request.args.get("next")) or url_for("public.home"))
        form.password.errors.append("邮箱或密码不正确")
    status = 400 if request.method == "POST" else 200
    return render_template("account/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录")
    return redirect(url_for("public.home"))


PASSWORDS_DIFFER = Message("两次输入的密码不一致。", "The passwords do not match.")
ACCOUNT_FIELDS = ("email", "display_name")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    REGISTRATION_LIMIT,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
    error_message="注册过于频繁，请稍后再试。",
)
def register():
    """A new organization (待认证 until a coordinator verifies it) and its first member, who is logged in."""
    if current_user.is_authenticated:
        return redirect(url_for("member.organization") if current_user.organization_id else url_for("public.home"))
    errors: FieldErrors = {}
    values: dict[str, Any] = {"kind": "enterprise", "sectors": []}
    if request.method == "POST":
        values = submitted_values(ORGANIZATION_TEXT_FIELDS + ACCOUNT_FIELDS)
        email, password = request.form.get("email", ""), request.form.get("password", "")
        org_data = None
        try:
            org_data = load_form(OrganizationInSchema(only=ORGANIZATION_FORM))
            organizations.check_subtype(org_data["kind"], org_data.get("subtype"))
        except InvalidInput as exc:
            errors.update(field_errors(exc))
        name = request.form.get("display_name", "")
        errors.update(account_errors(email, password, request.form.get("password_confirm", ""), name))
        if not errors and org_data is not None:
            try:
                user = accounts.register(org_data, email, password, name)
                after_commit(lambda: login_user(user))  # a session only for an account that was stored
                flash("注册成功！贵单位目前为「待认证」状态：协调员认证后，发布的需求与供给将对公众可见。")
                return redirect(url_for("member.organization"))
            except InvalidInput as exc:
                errors = field_errors(exc)
    return render_template(
        "account/register.html", values=values, errors=errors, options=form_options()
    ), 400 if errors else 200


def account_errors(email: str, password: str, confirm: str, name: str) -> FieldErrors:
    """Problems with the account fields, in the words of `accounts.check_new_user`, plus the second password."""
    errors: FieldErrors = dict(accounts.check_new_user(email, password, name))
    if "name" in errors:
        errors["display_name"] = errors.pop("name")
    if password and confirm != password:
        errors["password_confirm"] = [PASSWORDS_DIFFER]
    return errors
