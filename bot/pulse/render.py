"""How pulse surveys read: the round's post with its one button, the reminder, the post once
closed, and the survey modal. No payload ever carries a user id: the button's value and the
modal's ``private_metadata`` name the round only."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from bot.infra import slack_text
from bot.infra.config import Site
from bot.pulse.items import ENGLISH, ItemBank
from bot.pulse.store import Given

ANSWER_ACTION = "pulse_answer"  # the post's button
LANGUAGE_ACTION = "pulse_language"  # the modal's "in English" / back switch
MODAL_CALLBACK = "pulse_modal"
COMMENT_LIMIT = 1000
ANONYMITY = (
    "Anonymous: lantern records that you answered, apart from what you answered, and forgets "
    "even that when the survey closes. Results show only groups of at least {min} people. "
    "`/pulse privacy` says exactly what is stored."
)


def until(instant: datetime, zone: tzinfo) -> str:
    """When a round closes, as people at its site read it: "Sat 5 Dec, 11:00"."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def answer_button(key: str, *, primary: bool = True) -> dict[str, Any]:
    """The Answer button of round ``key``: its value names the round, never a person."""
    button = {
        "type": "button",
        "action_id": ANSWER_ACTION,
        "text": {"type": "plain_text", "text": "Answer"},
        "value": key,
    }
    return button | {"style": "primary"} if primary else button


def survey_post(
    site: Site, key: str, closes_at: datetime, questions: int, channel: str
) -> dict[str, Any]:
    """The round's message in the site channel: what it is, how long, one button."""
    text = (
        f"📊 *Quick pulse for {slack_text.escape(site.name)}: how is working across our sites?*\n"
        f"{questions} short questions, under a minute, anonymous. Open until "
        f"{until(closes_at, site.tz)} ({site.timezone})."
    )
    button = answer_button(key)
    return {
        "channel": channel,
        "text": f"Quick pulse for {site.name}: open until {until(closes_at, site.tz)}",
        "blocks": [slack_text.section(text), {"type": "actions", "elements": [button]}],
        "unfurl_links": False,
    }


def reminder_post(site: Site, key: str, closes_at: datetime, channel: str) -> dict[str, Any]:
    """The one mid-window reminder to the whole site: it names nobody."""
    text = (
        f"⏰ The pulse survey for {slack_text.escape(site.name)} is open until "
        f"{until(closes_at, site.tz)}. It takes under a minute and is anonymous; if you have "
        "answered already, thank you."
    )
    button = answer_button(key, primary=False)
    return {
        "channel": channel,
        "text": f"The pulse survey for {site.name} is open until {until(closes_at, site.tz)}",
        "blocks": [slack_text.section(text), {"type": "actions", "elements": [button]}],
    }


def closed_post(
    site: Site, responses: int, min_responses: int, channel: str, ts: str
) -> dict[str, Any]:
    """The round's message once closed: thank you, and how many answered when that many
    may be shown (``min_responses`` or more)."""
    count = (
        f" {responses} people answered."
        if responses >= min_responses
        else f" Fewer than {min_responses} people answered, so no results are shown."
    )
    text = f"✅ *The pulse survey for {slack_text.escape(site.name)} is closed.* Thank you!{count}"
    return {
        "channel": channel,
        "ts": ts,
        "text": f"The pulse survey for {site.name} is closed",
        "blocks": [slack_text.section(text)],
    }


def metadata(key: str, language: str) -> str:
    """The modal's ``private_metadata``: the round and the language shown, nobody's id."""
    return json.dumps({"survey": key, "language": language})


def read_metadata(text: str | None) -> tuple[str, str]:
    """(round key, language) from ``private_metadata``; ("", "en") when unreadable."""
    try:
        data = json.loads(text or "{}")
        return str(data.get("survey") or ""), str(data.get("language") or ENGLISH)
    except (ValueError, AttributeError):
        return "", ENGLISH


def survey_modal(
    bank: ItemBank,
    key: str,
    items: list[str],
    language: str,
    site_language: str,
    min_responses: int,
    previous: Given | None = None,
) -> dict[str, Any]:
    """The whole survey in one modal, in ``language``; with ``previous`` answers filled in
    (answering again replaces them). A button switches between the site's language and
    English."""
    blocks: list[dict[str, Any]] = []
    if previous is not None:
        blocks.append(slack_text.context("You answered already: change anything and submit again."))
    for item_id in items:
        item = bank.items[item_id]
        label = {"type": "plain_text", "text": slack_text.truncate(item.text(language), 2000)}
        if item.scale == "text":
            field = slack_text.multiline_input(f"q_{item_id}", "value", "", COMMENT_LIMIT)
            field["label"] = label
            field["optional"] = True
            if previous and previous.comment:
                field["element"]["initial_value"] = previous.comment
            blocks.append(field)
            continue
        if item.scale == "agree5":
            labels = bank.labels("agree5", language)
            options = [_option(str(v), f"{v} – {labels[v - 1]}") for v in range(1, 6)]
            element: dict[str, Any] = {
                "type": "radio_buttons",
                "action_id": "value",
                "options": options,
            }
        else:  # likely11: a select, since radio buttons stop at 10 options
            ends = bank.labels("likely11", language)
            names = {0: ends[0], 10: ends[1]}
            options = [_option(str(v), names.get(v, str(v))) for v in range(11)]
            element = {"type": "static_select", "action_id": "value", "options": options}
        chosen = previous.scores.get(item_id) if previous else None
        if chosen is not None:
            element["initial_option"] = next(o for o in options if o["value"] == str(chosen))
        blocks.append(
            {"type": "input", "block_id": f"q_{item_id}", "label": label, "element": element}
        )
    blocks.append(slack_text.context(ANONYMITY.format(min=min_responses)))
    other = ENGLISH if language != ENGLISH else site_language
    if other != language:
        switch = {
            "type": "button",
            "action_id": LANGUAGE_ACTION,
            "text": {"type": "plain_text", "text": bank.languages[other]},
            "value": other,
        }
        blocks.append({"type": "actions", "elements": [switch]})
    view = slack_text.modal(MODAL_CALLBACK, "Quick pulse", "Submit", blocks)
    view["private_metadata"] = metadata(key, language)
    return view


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": slack_text.truncate(text, 75)}, "value": value}


def answers_from(values: dict[str, Any], items: list[str], bank: ItemBank) -> Given:
    """The submitted modal's answers (``view.state.values``) as scores and a comment; a
    value outside the item's scale is left out."""
    scores: dict[str, int] = {}
    comment = None
    for item_id in items:
        field = values.get(f"q_{item_id}", {}).get("value", {})
        if bank.items[item_id].scale == "text":
            text = (field.get("value") or "").strip()
            comment = slack_text.escape(text[:COMMENT_LIMIT]) if text else None
            continue
        chosen = (field.get("selected_option") or {}).get("value")
        if chosen is not None and chosen.isdigit():
            scores[item_id] = int(chosen)
    return Given(scores, comment)


def message_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (thanks, closed, not for you)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [slack_text.section(text)],
    }
