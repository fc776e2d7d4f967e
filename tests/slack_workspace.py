"""What the fake Slack knows and how it answers: a workspace's users, user groups, channels,
their history and reactions, and success bodies shaped like the Web API's
(https://api.slack.com/methods)."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from tests import slack_blocks

BOT_ID = "B0BOT"
FAKE_WORKSPACE_URL = "https://fake.slack.com/"
DEFAULT_PAGE_LIMIT = 100


def maybe_json(value: Any) -> Any:
    """Decode JSON text (form-encoded ``blocks``/``view``); leave anything else untouched."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            return None
        return int(number)
    except (ValueError, UnicodeError):
        return None


class Workspace:
    """The state a test arranges: who exists, who is in which group and channel, what was said.

    Attributes:
        users: user id -> ``users.info`` user (see :meth:`add_user`).
        usergroups: user group id (S…) -> member ids.
        channel_members: channel id -> member ids, for ``conversations.members``.
        history: channel id -> messages posted there, oldest first.
        private_channels: channels ``conversations.info`` reports as private (D… are DMs).
        reactions: (channel, ts) -> {emoji name: [user ids]} for ``reactions.get``; unknown
            messages answer without a "message", as if Slack could not say.
    """

    def __init__(self, team_id: str = "T0TEST", bot_user_id: str = "U0BOT") -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.private_channels: set[str] = set()
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.lock = threading.Lock()
        self.refused: list[tuple[str, list[str]]] = []  # (method, why) of refused Block Kit
        self._ts_counter = 0
        self._id_counter = 0

    def add_user(self, user_id: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register a users.info user with realistic defaults; ``fields`` override them."""
        name = name or user_id.lower()
        real_name = fields.pop("real_name", name.title())
        display_name = fields.pop("display_name", name)
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "is_bot": False,
            "deleted": False,
            "profile": {"display_name": display_name, "real_name": real_name},
        }
        user.update(fields)
        self.users[user_id] = user
        return user

    def ts_from(self, seconds: float) -> None:
        """Make Slack's clock agree with a test's clock: message timestamps from ``seconds``
        (Unix time) on, for a test whose app clock is not the machine's."""
        with self.lock:
            self._ts_counter = max(self._ts_counter, int(seconds * 1_000_000))

    def next_ts(self) -> str:
        # like Slack: the wall-clock time in microseconds, unique and increasing
        with self.lock:
            self._ts_counter = max(self._ts_counter + 1, int(time.time() * 1_000_000))
            micros = self._ts_counter
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self._id_counter += 1
            return f"{prefix}{self._id_counter:08d}"


def answer(ws: Workspace, method: str, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The success body of ``method`` (or Slack's ``ok: false`` for what it would refuse,
    ``invalid_blocks`` included: see :mod:`tests.slack_blocks`)."""
    refused = (
        slack_blocks.problems(maybe_json(params["blocks"]), view=False)
        if (
            method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
            and "blocks" in params
        )
        else []
    )
    if method.startswith("views.") and "view" in params:
        refused = slack_blocks.view_problems(maybe_json(params["view"]))
    if refused:
        ws.refused.append((method, refused))
        return {"ok": False, "error": "invalid_blocks", "errors": refused}
    if method == "auth.test":
        return {
            "ok": True,
            "url": FAKE_WORKSPACE_URL,
            "team": "Fake",
            "user": "lantern",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }
    if method == "chat.postMessage":
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        ts = ws.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text", ""),
            "ts": ts,
            "user": ws.bot_user_id,
            "bot_id": BOT_ID,
        }
        for key in ("blocks", "attachments", "metadata"):
            if key in params:
                message[key] = maybe_json(params[key])
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        with ws.lock:
            ws.history.setdefault(str(channel), []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}
    if method == "conversations.history":
        return history_page(ws, params)
    if method == "conversations.info":
        channel = str(params.get("channel", ""))
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": not channel.startswith("D"),
                "is_private": channel in ws.private_channels,
                "is_im": channel.startswith("D"),
                "is_mpim": False,
            },
        }
    if method == "reactions.get":
        item = (str(params.get("channel", "")), str(params.get("timestamp", "")))
        if item not in ws.reactions:
            return {"ok": True}
        found = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in ws.reactions[item].items()
            if users
        ]
        return {"ok": True, "type": "message", "message": {"ts": item[1], "reactions": found}}
    if method == "chat.update":
        return {
            "ok": True,
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text", ""),
        }
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": ws.next_ts()}
    if method == "chat.getPermalink":
        channel = params.get("channel", "")
        ts = str(params.get("message_ts", ""))
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}
    if method in ("views.open", "views.publish", "views.update", "views.push"):
        view = maybe_json(params.get("view"))
        view = dict(view) if isinstance(view, dict) else {}
        view_id = params.get("view_id") or ws.next_id("V")
        return {"ok": True, "view": {**view, "id": view_id, "team_id": ws.team_id}}
    if method == "conversations.open":
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u.strip() for u in str(params.get("users", "")).split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {
            "ok": True,
            "channel": {"id": "D" + "".join(u.removeprefix("U") for u in users)},
        }
    if method == "users.info":
        user = ws.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}
    if method == "users.list":
        with ws.lock:
            everyone = list(ws.users.values())
        limit = min(int(params.get("limit") or DEFAULT_PAGE_LIMIT), 1000)
        start = decode_cursor(str(params.get("cursor") or "")) or 0
        more = start + limit < len(everyone)
        return {
            "ok": True,
            "members": everyone[start : start + limit],
            "response_metadata": {"next_cursor": encode_cursor(start + limit) if more else ""},
        }
    if method == "usergroups.users.list":
        members = ws.usergroups.get(str(params.get("usergroup", "")))
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(members)}
    if method == "conversations.members":
        return members_page(ws, params)
    if method == "files.getUploadURLExternal":
        file_id = ws.next_id("F")
        return {
            "ok": True,
            "upload_url": f"{base_url}upload/{file_id}",
            "file_id": file_id,
        }
    if method == "files.completeUploadExternal":
        files = maybe_json(params.get("files"))
        if not isinstance(files, list):
            return {"ok": False, "error": "invalid_arguments"}
        return {
            "ok": True,
            "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
        }
    return {"ok": True}


def history_page(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Newest first, like Slack, from ``oldest``; metadata only when include_all_metadata is
    set; ``limit`` per page (at most 999) and a ``response_metadata.next_cursor`` for the next."""
    channel = str(params.get("channel", ""))
    with ws.lock:
        messages = list(ws.history.get(channel, []))
    oldest = float(params.get("oldest") or 0)
    with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
    found = []
    for message in reversed(messages):
        if float(message["ts"]) < oldest:
            continue
        shown = dict(message)
        if not with_metadata:
            shown.pop("metadata", None)
        found.append(shown)
    limit = min(int(params.get("limit") or DEFAULT_PAGE_LIMIT), 999)
    start = decode_cursor(str(params.get("cursor") or "")) or 0
    page = found[start : start + limit]
    more = start + limit < len(found)
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": encode_cursor(start + limit) if more else ""},
    }


def members_page(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    members = ws.channel_members.get(str(params.get("channel", "")))
    if members is None:
        return {"ok": False, "error": "channel_not_found"}
    try:
        limit = int(params.get("limit") or DEFAULT_PAGE_LIMIT)
    except (TypeError, ValueError):
        return {"ok": False, "error": "invalid_limit"}
    if limit <= 0:
        limit = DEFAULT_PAGE_LIMIT
    cursor = str(params.get("cursor") or "")
    start = 0
    if cursor:
        decoded = decode_cursor(cursor)
        if decoded is None or decoded < 0:
            return {"ok": False, "error": "invalid_cursor"}
        start = decoded
    page = list(members[start : start + limit])
    end = start + limit
    next_cursor = encode_cursor(end) if end < len(members) else ""
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}
