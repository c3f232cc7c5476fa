"""authbench's round-trip workload for Locust, written by `authbench export locust`.

Run it where plan.json and requests.json are (requests.json holds passwords: keep it secret):

    locust -f locustfile.py --headless --csv run/locust               # one machine
    locust -f locustfile.py --headless --master --expect-workers N --csv run/locust
    locust -f locustfile.py --worker --master-host MASTER               # on each load machine

then `authbench import locust run --out report`. The pacing (rate, users, duration) is in
plan.json: users start at once, each paced by constant_throughput(rate / users), and the
LoadTestShape stops the run after the duration. Locust's own --users, --spawn-rate and
--run-time are ignored while a shape is defined.

Every answer is judged as authbench's round-trip mode judges it, and recorded with the outcome as
the request name (`allow`, `deny:<reason>`, `error:<kind>`) and the case as the request type, so
Locust's statistics keep them apart. Errors (no usable answer) are Locust failures; denies are
answers, not failures. Latency is Locust's: from the send to the last byte of the answer.
"""

import itertools
import json
import os
import random

import gevent
from locust import LoadTestShape, constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import calculate_response_time_percentile, diff_response_time_dicts

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "plan.json"), encoding="utf-8") as f:
    PLAN = json.load(f)
with open(os.path.join(HERE, "requests.json"), encoding="utf-8") as f:
    REQUESTS = json.load(f)["requests"]

CASES = [c["name"] for c in PLAN["cases"]]
PASSED_REASONS = frozenset(PLAN["passed_reasons"])
PROTOCOL = PLAN["protocol"]
# One counter per process, started at a random place so workers do not send in lockstep.
NEXT = itertools.count(random.randrange(len(REQUESTS)))


def _json_object(body):
    """The answer as a JSON object, or None."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _deny(answer):
    """`deny:<reason>`: the answer's reason when round-trip mode passes it on, else
    backend_rejected (a yes/no answer)."""
    reason = answer.get("reason") if answer else None
    if isinstance(reason, str) and reason in PASSED_REASONS:
        return "deny:" + reason
    return "deny:backend_rejected"


def judge(status, body):
    """(outcome, is_error) of an answer, as authbench-roundtrip reads it."""
    if PROTOCOL == "red5pro":
        if status != 200:
            return "error:http_%d" % status, True
        answer = _json_object(body)
        if answer is None:
            return "error:not_a_json_object", True
        result = answer.get("result")
        if isinstance(result, str) and result.lower() in ("true", "false"):
            result = result.lower() == "true"
        if not isinstance(result, bool):
            return "error:no_boolean_result", True
        return ("allow", False) if result else (_deny(answer), False)
    if PROTOCOL == "mediamtx":
        if 200 <= status <= 299:
            return "allow", False
        if status in (401, 403):
            return _deny(_json_object(body)), False
        return "error:http_%d" % status, True
    if PROTOCOL == "nginx-rtmp":
        if 200 <= status <= 399:
            return "allow", False
        if 400 <= status <= 499:
            return _deny(_json_object(body)), False
        return "deny:backend_rejected", False
    if PROTOCOL == "srs":
        if status != 200:
            return "deny:backend_rejected", False
        if body == b"0":
            return "allow", False
        answer = _json_object(body)
        code = answer.get("code") if answer else None
        if isinstance(code, int) and not isinstance(code, bool):
            return ("allow", False) if code == 0 else (_deny(answer), False)
        return "deny:backend_rejected", False
    return "error:unknown_protocol", True


def _ssl_context():
    import gevent.ssl

    return gevent.ssl.create_default_context(cafile=os.path.join(HERE, PLAN["ca_file"]))


class RoundTrip(FastHttpUser):
    """One client asking the auth service, paced to its share of the rate."""

    host = PLAN["host"]
    wait_time = constant_throughput(PLAN["per_user_rate"])
    network_timeout = PLAN["timeout_s"]
    connection_timeout = PLAN["timeout_s"]
    # Fail closed, as round-trip mode does: verify certificates, never follow a redirect.
    insecure = False
    max_redirects = 0
    ssl_context_factory = _ssl_context if PLAN["ca_file"] else None

    @task
    def ask(self):
        req = REQUESTS[next(NEXT) % len(REQUESTS)]
        with self.client.request(
            "POST",
            req["path"],
            data=req["body"].encode("utf-8"),
            headers=req["headers"],
            allow_redirects=False,
            catch_response=True,
            name="pending",
        ) as resp:
            if not resp.status_code:
                error = getattr(resp, "error", None)
                text = type(error).__name__.lower() if error is not None else ""
                outcome = "error:timeout" if "timeout" in text else "error:connection"
                failed = True
            else:
                outcome, failed = judge(resp.status_code, resp.content or b"")
            resp.request_meta["name"] = outcome
            resp.request_meta["request_type"] = CASES[req["case"]]
            if failed:
                resp.failure(outcome)
            else:
                resp.success()


class Shape(LoadTestShape):
    """Every user at once (all spawned within a tenth of a second), for the planned duration."""

    def tick(self):
        if self.get_run_time() < PLAN["duration_s"]:
            return PLAN["users"], PLAN["users"] * 10
        return None


# Snapshots of the aggregated response-time buckets (Locust's own, held by the master), taken
# every tenth of the duration: the differences are per-batch histograms, whose spread is the
# run-to-run noise `authbench compare` weighs a change against.
SNAPSHOTS = []
BATCHES = 10
# Workers connected when the test started (they have left by the time the master quits); 0
# when one process ran the test alone.
WORKERS = [0]


def _snapshot(environment):
    total = environment.stats.total
    SNAPSHOTS.append((dict(total.response_times), total.num_requests - total.num_none_requests))


def _take_snapshots(environment):
    interval = max(PLAN["duration_s"] / BATCHES, 0.5)
    _snapshot(environment)
    for _ in range(BATCHES):
        gevent.sleep(interval)
        _snapshot(environment)


@events.test_start.add_listener
def _start_snapshots(environment, **_kwargs):
    if not isinstance(environment.runner, WorkerRunner):
        if isinstance(environment.runner, MasterRunner):
            WORKERS[0] = environment.runner.worker_count
        gevent.spawn(_take_snapshots, environment)


def _batches():
    out = []
    for (old, old_n), (new, new_n) in zip(SNAPSHOTS, SNAPSHOTS[1:]):
        times, n = diff_response_time_dicts(new, old), new_n - old_n
        if n > 0:
            out.append(
                {
                    "requests": n,
                    "p50_ms": calculate_response_time_percentile(times, n, 0.50),
                    "p99_ms": calculate_response_time_percentile(times, n, 0.99),
                }
            )
    return out


@events.quitting.add_listener
def _write_plan(environment, **_kwargs):
    """Next to the --csv files, what `authbench import locust` needs to read them (no secret)."""
    prefix = getattr(environment.parsed_options, "csv_prefix", None)
    if not prefix or isinstance(environment.runner, WorkerRunner):
        return
    run = dict(PLAN)
    run["workers"] = WORKERS[0]
    run["batches"] = _batches()
    with open(prefix + "_authbench.json", "w", encoding="utf-8") as f:
        json.dump(run, f, indent=2)
        f.write("\n")
