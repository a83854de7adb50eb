"""``POST /staff/accounts/{uin}/contacts/{action}``: staff link a contact (a phone, an email
address, a Telegram user id) to the account, or unlink it; the account page shows the
account's verified contacts (``templates/staff/_contacts.html``). docs/staff.md."""

from __future__ import annotations

from gettext import NullTranslations

from aiohttp import web
from aiohttp_session import get_session

from gateway.domain.contacts import KINDS, ContactError, contact
from gateway.http.csrf import check_csrf
from gateway.http.keys import CONTACTS
from gateway.http.staff.auth import require_user
from gateway.http.staff.lang import staff_language
from gateway.runtime.i18n import translations


def contact_kinds(t: NullTranslations) -> dict[str, str]:
    """The kinds of contact as the account page names them."""
    names = (t.gettext("phone"), t.gettext("email"), t.gettext("Telegram user"))
    return dict(zip(KINDS, names, strict=True))


async def change(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await check_csrf(request)
    t = translations(await staff_language(request))
    uin = request.match_info["uin"]
    action = request.match_info["action"]
    contacts = request.app[CONTACTS]
    try:
        who = contact(form.get("kind", ""), form.get("address", ""))
    except ContactError:
        # TRANSLATORS: a staff member typed something that is no phone, email or user id
        note = t.gettext("Not a contact: %(address)s.") % {"address": form.get("address", "")}
    else:
        fields = {"contact": who.address, "uin": uin}
        if action == "link":
            done = await contacts.link_by_staff(user.login, who, uin)
            note = (
                t.gettext("%(contact)s is linked to %(uin)s.")
                if done
                else t.gettext("%(contact)s was not linked to %(uin)s: linked already?")
            ) % fields
        else:
            done = await contacts.unlink_by_staff(user.login, who, uin)
            note = (
                t.gettext("%(contact)s is unlinked from %(uin)s.")
                if done
                else t.gettext("%(contact)s was not linked to %(uin)s.")
            ) % fields
    session = await get_session(request)
    session["flash"] = note
    raise web.HTTPSeeOther(f"/staff/accounts/{uin}")
