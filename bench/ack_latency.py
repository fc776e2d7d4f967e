"""Ack latency of `lantern serve` against a bare Bolt app, under a burst of signed commands.

Both run under gunicorn with the same settings (2 gthread workers × 8 threads) on loopback,
talking to the loopback fake Slack from tests/. The burst mixes valid `/kudos` (each one is
recorded and posted to the feed after the ack) and `/celebrate list`, 16 at a time.
Prints p50 and p99 for both and their ratio; asserts nothing.

Run: `make bench` or `.venv/bin/python bench/ack_latency.py [--requests N]`.
Targets (issue 5): p99 ratio at most 1.5, p99 far under Slack's 3 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.migrate import upgrade  # noqa: E402
from tests.slack_fake import SlackFake  # noqa: E402
from tests.slack_requests import SIGNING_SECRET, get, slash_command  # noqa: E402

CONCURRENCY = 16
GUNICORN = ["--worker-class", "gthread", "--workers", "2", "--threads", "8"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with {process.returncode}")
        try:
            if get(url, timeout=1).status in (200, 404, 405):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def burst(events_url: str, requests: int, tag: str) -> list[float]:
    def one(index: int) -> float:
        if index % 2:
            command, text = "/celebrate", "list 30"
        else:
            command, text = "/kudos", f"<@U0ANA|ana> thanks for shift {tag}{index} #teamwork"
        started = time.perf_counter()
        reply = slash_command(events_url, command, text, user_id=f"U0G{index:04d}")
        elapsed = time.perf_counter() - started
        if reply.status != 200:
            raise SystemExit(f"{command} answered {reply.status}: {reply.text[:200]}")
        return elapsed

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, range(requests)))


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=800)
    args = parser.parse_args()

    fake = SlackFake().start()
    fake.add_user("U0ANA", "ana", tz="Asia/Manila")
    for index in range(args.requests + 100):
        fake.add_user(f"U0G{index:04d}", f"giver{index}", tz="America/Chicago")
    folder = tempfile.mkdtemp()
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    upgrade(database)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database,
        "LANTERN_CONFIG": str(ROOT / "examples" / "lantern.toml"),
        "LANTERN_SECRET": "bench-secret-0123456789",
    }
    lantern_port, bare_port = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                str(lantern_port),
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *GUNICORN,
                "--bind",
                f"127.0.0.1:{bare_port}",
                "--chdir",
                str(ROOT / "bench"),
                "bare_app:create()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        lantern_url = f"http://127.0.0.1:{lantern_port}"
        bare_url = f"http://127.0.0.1:{bare_port}"
        wait_healthy(lantern_url + "/healthz", servers[0])
        wait_healthy(bare_url + "/slack/events", servers[1])
        # warm both (imports, caches, connection pools), then measure, alternating order
        burst(lantern_url + "/slack/events", 64, "warm")
        burst(bare_url + "/slack/events", 64, "warm")
        bare = burst(bare_url + "/slack/events", args.requests, "b")
        ours = burst(lantern_url + "/slack/events", args.requests, "m")
        bare_p50, bare_p99 = summary(bare)
        ours_p50, ours_p99 = summary(ours)
        print(
            f"{args.requests} signed requests each (/kudos and /celebrate list), "
            f"{CONCURRENCY} concurrent, gunicorn 2 workers × 8 threads, {database.split(':')[0]}"
        )
        print(f"bare Bolt app   p50 {bare_p50:7.1f} ms   p99 {bare_p99:7.1f} ms")
        print(f"lantern serve   p50 {ours_p50:7.1f} ms   p99 {ours_p99:7.1f} ms")
        print(
            f"ratio           p50 {ours_p50 / bare_p50:7.2f}      p99 {ours_p99 / bare_p99:7.2f}"
            "   (target: p99 ratio ≤ 1.5, p99 ≪ 3000 ms)"
        )
        time.sleep(2)
        posts = len(
            [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "C0KUDOS"]
        )
        print(f"feed posts delivered during the run: {posts}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(20)
        fake.stop()


if __name__ == "__main__":
    main()
