"""A load generator that plays Slack: signed POSTs from N concurrent connections.

    echo '{"url": …, "secret": …, "concurrency": 10, "bodies": […]}' | python -m bench.signed_load

It runs in a process of its own, so its threads do not compete with the server for one
interpreter lock. Each thread holds one keep-alive connection (connected before the clock
starts), takes the next body, signs it with the current time exactly as Slack does
(``v0:<timestamp>:<body>``, HMAC-SHA256) and times the request until the whole answer is
read: that is the ack latency Slack sees. Prints one JSON line: the latencies in seconds,
in completion order, and the count of each HTTP status.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"


def run(url: str, secret: str, concurrency: int, bodies: list[str]) -> dict[str, object]:
    target = urlsplit(url)
    signer = SignatureVerifier(secret)
    queue: Iterator[str] = iter(bodies)
    take = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = threading.Barrier(concurrency)

    def client() -> None:
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        connection.connect()
        start.wait()
        while True:
            with take:
                body = next(queue, None)
            if body is None:
                break
            data = body.encode()
            timestamp = str(int(time.time()))
            signature = signer.generate_signature(timestamp=timestamp, body=data)
            assert signature is not None  # None only without a secret
            headers = {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
            }
            began = time.perf_counter()
            connection.request("POST", target.path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            with take:
                latencies.append(elapsed)
                statuses[response.status] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "latencies": latencies,
        "statuses": {str(status): count for status, count in statuses.items()},
        "seconds": time.perf_counter() - began,
    }


def main() -> int:
    job = json.load(sys.stdin)
    result = run(job["url"], job["secret"], int(job["concurrency"]), list(job["bodies"]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
