"""`make bench`: the benchmarks, with their own components (state .stack/bench, ports from 24000) so that
neither a running `make run` nor a test run is disturbed, stopped afterwards.

1. ranking and selection of a call with 2,000 applications, 9 jurors and 6 criteria, explanations included
   (bench/ranking.py: in-process, the pure engine);
2. 200 applicants submitting in the last seconds before a deadline through the real HTTP API, checked for
   lost or doubled submissions, against the same requests as single-row UPDATEs through asyncpg; three deadlines
   one after the other (bench/submit_load.py);
3. the yearly coordination report of an agreement with 200 indicators as PDF and XLSX, through partners' HTTP API
   and in-process (bench/partners_report.py);
4. the public supplier catalogue searched through the gateway by 16 clients at 50,000 organisations
   (bench/catalogue_search.py);
5. the drivers' phones syncing pickup lines through the gateway in batches of 500, against a COPY of as many rows
   (bench/foodsavers_sync.py);
6. the coordinator's dashboard totals over 10 million pickup lines read by 16 clients
   (bench/foodsavers_dashboard.py);
7. a tenant-scoped read through the gateway, straight at the service and from a bare app as the raw baseline
   (bench/tenant_read.py);
8. the outbox relay against JetStream's own async publish, 60 s of many writers, every row published once
   (bench/event_relay.py);
9. event latency from a commit in grants to its effect committed in partners at 1,000 events/s, against
   JetStream publish → durable pull consumer (bench/event_latency.py);
10. start-up of the whole platform and its memory, idle and under load (bench/startup_memory.py).

Load for 4, 6 and 7 comes from wrk (bench/load.py), a separate process. At the end every figure of this run goes
into bench/results/latest.json and latest.md (bench/summary.py); the exit status fails when any goal failed."""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("REGIE_STATE_DIR", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                      ".stack", "bench"))
os.environ.setdefault("REGIE_PORT_BASE", "24000")
os.environ.setdefault("REGIE_PG_DURABLE", "1")  # every commit flushed, as in production (the tests' stack is not)

from bench import (  # noqa: E402  (the environment above must be set first)
    catalogue_search,
    event_latency,
    event_relay,
    foodsavers_dashboard,
    foodsavers_sync,
    partners_report,
    ranking,
    startup_memory,
    submit_load,
    summary,
    tenant_read,
)
from devstack.config import StackConfig  # noqa: E402
from devstack.stack import Stack  # noqa: E402


def main() -> int:
    started = time.time()
    print("== ranking and selection ==", flush=True)
    failed = ranking.main([])
    print("\n== submissions under load ==", flush=True)
    try:
        failed |= submit_load.main(["--profile", "test"])
        print("\n== the yearly coordination report ==", flush=True)
        failed |= partners_report.main(["--profile", "test"])
        print("\n== the public catalogue at 50,000 organisations ==", flush=True)
        failed |= catalogue_search.main(["--profile", "test"])
        print("\n== foodsavers: pickup sync against COPY ==", flush=True)
        failed |= foodsavers_sync.main(["--profile", "test"])
        print("\n== foodsavers: the dashboard over 10 million pickup lines ==", flush=True)
        failed |= foodsavers_dashboard.main(["--profile", "test"])
        print("\n== a tenant-scoped read against its raw baseline ==", flush=True)
        failed |= tenant_read.main(["--profile", "test"])
        print("\n== the outbox relay against JetStream's own publish ==", flush=True)
        failed |= event_relay.main(["--profile", "test"])
        print("\n== event latency across services ==", flush=True)
        failed |= event_latency.main(["--profile", "test"])
        print("\n== start-up and memory ==", flush=True)
        failed |= startup_memory.main(["--profile", "test"])
    finally:
        if os.environ.get("REGIE_KEEP_STACK") != "1":
            Stack(StackConfig.from_env("test")).down()
    measured = summary.write(since=started)
    print("\n== this run ==\n" + summary.markdown(measured), flush=True)
    return failed or not measured["pass"]


if __name__ == "__main__":
    sys.exit(main())
