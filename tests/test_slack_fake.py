"""Prove SlackFake behaves like Slack for the real slack_sdk clients (no mocks)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.slack_fake import SlackFake

TOKEN = "xoxb-test-token"


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as server:
        yield server


@pytest.fixture
def client(fake: SlackFake) -> WebClient:
    # retry_handlers=[] so the SDK surfaces every HTTP failure instead of retrying it.
    return WebClient(token=TOKEN, base_url=fake.api_url, retry_handlers=[])


def test_urls_point_at_loopback(fake: SlackFake) -> None:
    """WebClient appends the method name, so api_url needs its trailing slash."""
    assert fake.api_url.startswith("http://127.0.0.1:")
    assert fake.api_url.endswith("/api/")
    assert fake.response_url_base.endswith("/response/")


def test_auth_test_identifies_bot(fake: SlackFake, client: WebClient) -> None:
    """Bolt calls auth.test at start-up and relies on these fields."""
    resp = client.auth_test()
    assert resp["team_id"] == "T0TEST"
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"


def test_post_message_records_params(fake: SlackFake, client: WebClient) -> None:
    """The recorded call is what integration tests assert on."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    resp = client.chat_postMessage(channel="C0ONE", text="hello", blocks=blocks, thread_ts="1.2")

    assert resp["ok"] is True
    assert resp["channel"] == "C0ONE"
    assert resp["message"]["text"] == "hello"
    assert resp["message"]["user"] == "U0BOT"
    (call,) = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0ONE"
    assert call.params["text"] == "hello"
    assert call.params["thread_ts"] == "1.2"
    assert call.json_param("blocks") == blocks
    assert call.header("authorization") == f"Bearer {TOKEN}"
    assert call.at > 0


def test_post_message_ts_unique_and_increasing(client: WebClient) -> None:
    """Apps key threads and updates by ts, so duplicates would hide bugs."""
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    assert len(set(stamps)) == 5
    assert [float(s) for s in stamps] == sorted(float(s) for s in stamps)
    assert all(len(s.split(".")[1]) == 6 for s in stamps)


def test_post_message_without_channel_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", params={"text": "x"})
    assert info.value.response["error"] == "channel_not_found"


def test_missing_token_is_not_authed(fake: SlackFake) -> None:
    """A code path that forgets the token must fail like Slack, not silently pass."""
    anonymous = WebClient(base_url=fake.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as info:
        anonymous.chat_postMessage(channel="C1", text="x")
    assert info.value.response.status_code == 200
    assert info.value.response["error"] == "not_authed"
    # ... yet the attempt is still recorded.
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_token_param_is_accepted(fake: SlackFake) -> None:
    body = b"token=xoxb-param&channel=C1&text=x"
    req = urllib.request.Request(f"{fake.api_url}chat.postMessage", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["ok"] is True


def test_rate_limit_surfaces_retry_after(fake: SlackFake, client: WebClient) -> None:
    """The app's back-off logic reads status 429 and the Retry-After header."""
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x")

    response = info.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    # Only the next call fails.
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_fail_next_times_then_recovers(fake: SlackFake, client: WebClient) -> None:
    fake.fail_next("chat.update", status=429, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_update(channel="C1", ts="1.1", text="x")
        assert info.value.response.status_code == 429
        assert "Retry-After" not in info.value.response.headers
    assert client.chat_update(channel="C1", ts="1.1", text="y")["text"] == "y"


def test_each_call_keeps_the_status_it_was_answered_with(
    fake: SlackFake, client: WebClient
) -> None:
    """A test can tell what Slack answered: 429 to a throttled call, 0 to one whose answer
    was dropped (the post was still made)."""
    fake.fail_next("conversations.history", status=429, retry_after=1)
    fake.lose_next("chat.postMessage")
    with pytest.raises(SlackApiError):
        client.conversations_history(channel="C1")
    client.conversations_history(channel="C1")
    with pytest.raises(OSError):  # http.client.RemoteDisconnected: no answer at all
        client.chat_postMessage(channel="C1", text="x")

    assert [c.status for c in fake.calls_to("conversations.history")] == [429, 200]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [0]
    assert [m["text"] for m in fake.history["C1"]] == ["x"]


def test_short_pages_make_a_client_follow_the_cursor(fake: SlackFake, client: WebClient) -> None:
    """Slack may answer fewer items than ``limit`` asks; short_pages makes it so."""
    fake.short_pages("conversations.history", 2)
    for n in range(5):
        client.chat_postMessage(channel="C1", text=f"m{n}")

    seen: list[str] = []
    cursor = None
    while True:
        page = client.conversations_history(channel="C1", limit=200, cursor=cursor)
        assert len(page["messages"]) <= 2
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"] or None
        if not cursor:
            break

    assert seen == ["m4", "m3", "m2", "m1", "m0"]  # newest first, every one once
    assert len(fake.calls_to("conversations.history")) == 3
    assert fake.calls_to("conversations.history")[0].params["limit"] in (200, "200")
    with pytest.raises(ValueError):
        fake.short_pages("conversations.history", 0)


def test_server_error_is_html_500(fake: SlackFake, client: WebClient) -> None:
    """Slack's gateway answers 5xx with HTML, which the SDK cannot parse as JSON."""
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x")
    assert info.value.response.status_code == 500
    assert info.value.response.headers["Content-Type"].startswith("text/html")
    assert info.value.response["ok"] is False


def test_error_for_when_only_matches_that_channel(fake: SlackFake, client: WebClient) -> None:
    fake.error_for("chat.postMessage", "channel_not_found", when={"channel": "C0GONE"})

    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0GONE", text="x")
    assert info.value.response.status_code == 200
    assert info.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0HERE", text="x")["ok"] is True
    # Persistent: it keeps failing.
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GONE", text="again")


def test_error_for_without_when_matches_all(fake: SlackFake, client: WebClient) -> None:
    fake.error_for("users.info", "account_inactive")
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U1")
    assert info.value.response["error"] == "account_inactive"


def test_set_response_overrides_body(fake: SlackFake, client: WebClient) -> None:
    fake.set_response("team.info", {"team": {"id": "T0TEST", "name": "Acme"}})
    assert client.team_info()["team"]["name"] == "Acme"


def test_reset_clears_calls_and_scripts(fake: SlackFake, client: WebClient) -> None:
    fake.error_for("chat.postMessage", "is_archived")
    fake.fail_next("auth.test", status=503)
    fake.set_response("team.info", {"x": 1})
    fake.add_user("U1")
    fake.reset()

    assert fake.calls == []
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert client.auth_test()["ok"] is True
    assert "x" not in client.team_info().data
    assert client.users_info(user="U1")["user"]["id"] == "U1"  # fixture data survives


def test_members_pagination_returns_everyone(fake: SlackFake, client: WebClient) -> None:
    """Apps must follow next_cursor; a fake that ignores limit would hide that bug."""
    everyone = ["U1", "U2", "U3", "U4", "U5"]
    fake.channel_members["C0BIG"] = everyone

    collected: list[str] = []
    cursor = ""
    pages = 0
    while True:
        resp = client.conversations_members(channel="C0BIG", limit=2, cursor=cursor or None)
        pages += 1
        assert len(resp["members"]) <= 2
        collected.extend(resp["members"])
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert collected == everyone
    assert pages == 3
    assert len(fake.calls_to("conversations.members")) == 3


def test_members_unknown_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.conversations_members(channel="C0NOPE")
    assert info.value.response["error"] == "channel_not_found"


def test_users_info_and_usergroups(fake: SlackFake, client: WebClient) -> None:
    fake.add_user("U1", "alice", tz="America/New_York", tz_offset=-18000)
    fake.usergroups["S1"] = ["U1", "U2"]

    user = client.users_info(user="U1")["user"]
    assert user["name"] == "alice"
    assert user["tz_offset"] == -18000
    assert user["profile"]["display_name"] == "alice"
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U404")
    assert info.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as info:
        client.usergroups_users_list(usergroup="S404")
    assert info.value.response["error"] == "no_such_subteam"


def test_views_open_parses_json_body(fake: SlackFake, client: WebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    resp = client.views_open(trigger_id="123.456", view=view)
    assert resp["view"]["id"].startswith("V")
    assert resp["view"]["title"]["text"] == "T"
    (call,) = fake.calls_to("views.open")
    assert call.json_param("view") == view
    assert call.params["trigger_id"] == "123.456"


def test_misc_defaults(client: WebClient) -> None:
    assert client.conversations_open(users="U123")["channel"]["id"] == "D123"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="x")["message_ts"]
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")
    assert link["permalink"] == "https://fake.slack.com/archives/C1/p1700000000000100"
    assert client.reactions_add(channel="C1", timestamp="1.1", name="eyes")["ok"] is True


def test_files_upload_v2_round_trip(fake: SlackFake, client: WebClient) -> None:
    """files_upload_v2 chains three requests, including one to the issued upload URL."""
    resp = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="x.csv", title="X")
    assert resp["file"]["title"] == "X"
    (upload,) = fake.calls_to("upload")
    assert upload.body == b"a,b\n1,2\n"
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C1"
    assert complete.json_param("files")[0]["id"] == resp["file"]["id"]


def test_response_url_is_recorded(fake: SlackFake) -> None:
    webhook = WebhookClient(f"{fake.response_url_base}T0/123/abc")
    resp = webhook.send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    (call,) = fake.wait_for("response_url")
    assert call.params["text"] == "done"
    assert call.path == "/response/T0/123/abc"


def test_keep_alive_serves_several_requests_on_one_connection(fake: SlackFake) -> None:
    host, port = fake.api_url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        for i in range(3):
            conn.request(
                "POST",
                "/api/chat.postMessage",
                body=json.dumps({"channel": "C1", "text": str(i)}),
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            assert resp.version == 11
            assert json.loads(resp.read())["message"]["text"] == str(i)
    finally:
        conn.close()
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["0", "1", "2"]


def test_concurrent_clients_all_recorded(fake: SlackFake) -> None:
    def worker(n: int) -> None:
        c = WebClient(token=TOKEN, base_url=fake.api_url, retry_handlers=[])
        for i in range(5):
            c.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)

    calls = fake.calls_to("chat.postMessage")
    assert len(calls) == 40
    assert len({c.params["text"] for c in calls}) == 40
    assert fake.errors == []


def test_another_process_can_use_the_url(fake: SlackFake) -> None:
    """gunicorn workers reach the fake through SLACK_API_URL, from a separate process."""
    script = (
        "import os; from slack_sdk import WebClient; "
        "c = WebClient(token='xoxb-sub', base_url=os.environ['SLACK_API_URL']); "
        "print(c.chat_postMessage(channel='C9', text='from child')['ts'])"
    )
    env = {**os.environ, "SLACK_API_URL": fake.api_url}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    (call,) = fake.calls_to("chat.postMessage")
    assert call.params["text"] == "from child"
    assert out.stdout.strip() == fake.history["C9"][0]["ts"]


def test_server_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    """Request logs and dropped-connection tracebacks would drown real test output."""
    with SlackFake() as server:
        WebClient(token=TOKEN, base_url=server.api_url).auth_test()
        host, port = server.api_url.split("//")[1].split("/")[0].split(":")
        idle = http.client.HTTPConnection(host, int(port), timeout=5)
        idle.connect()  # left open: stop() must drop it quietly
    idle.close()
    captured = capfd.readouterr()
    assert captured.err == ""
    assert server.errors == []


def test_wait_for_sees_calls_from_another_thread(fake: SlackFake, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="late"))
    timer.start()
    try:
        calls = fake.wait_for("chat.postMessage", timeout=5)
    finally:
        timer.join()
    assert calls[0].params["text"] == "late"


def test_wait_for_raises_when_nothing_arrives(fake: SlackFake, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_stop_closes_the_port() -> None:
    fake = SlackFake().start()
    url = fake.api_url
    fake.stop()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"{url}auth.test", data=b"", timeout=2)


def test_block_kit_limits_are_enforced_like_slack(slack: SlackFake) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C1", text="x", blocks=[section] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x", blocks=[long_text])
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section] * 50)["ok"]
    assert len(slack.refused) == 2
    slack.refused.clear()  # expected here; the fixture fails any test that leaves some
