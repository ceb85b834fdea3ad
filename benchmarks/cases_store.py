"""Cost of storing a fit's follow-up cases in the service's database.

Usage: python benchmarks/cases_store.py [--rounds 3] [--endpoints 1]

The example data's follow-up cases (journeymap.cases.make_cases with the default rules,
797 cases from 3,000 responses) are stored by ``api.services.cases.store_cases`` in a
fresh in-memory SQLite database with ``--endpoints`` webhook endpoints (one
``case.opened`` event per case and endpoint), then committed.  CPU seconds per round
(steadier than wall time on a shared machine).  Writes benchmarks/results/cases_store.json
with the environment.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

import pandas as pd
from journeymap_api.models import Base, WebhookEndpoint
from journeymap_api.services.cases import store_cases
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

import journeymap as jm
from journeymap.cases import CaseRules, make_cases, rules_for_columns

from _common import environment, write

EXAMPLE = "examples/kitchen_b2b"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--endpoints", type=int, default=1)
    args = parser.parse_args()
    journey = jm.JourneyMap.from_yaml(f"{EXAMPLE}.yaml")
    columns = list(pd.read_csv(f"{EXAMPLE}.csv", nrows=1).columns)
    rules = rules_for_columns(CaseRules(), columns, EXAMPLE).rules
    now = datetime.now(UTC)
    found = make_cases(journey, f"{EXAMPLE}.csv", rules=rules, opened_at=now)
    cpu: list[float] = []
    stored = 0
    for _ in range(args.rounds):
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        sessions = sessionmaker(engine)
        workspace, dataset = uuid.uuid4(), uuid.uuid4()
        with sessions() as session:
            for i in range(args.endpoints):
                session.add(WebhookEndpoint(workspace_id=workspace, url=f"http://127.0.0.1:9/{i}",
                                            secret="s"))
            session.commit()
            start = time.process_time()
            stored = store_cases(session, workspace, dataset, None, found, now)
            session.commit()
            cpu.append(time.process_time() - start)
    print(f"| cases | webhook endpoints | best CPU s | median CPU s |\n|---:|---:|---:|---:|\n"
          f"| {stored} | {args.endpoints} | {min(cpu):.3f} | {sorted(cpu)[len(cpu) // 2]:.3f} |")
    path = write("cases_store", {"environment": environment(), "cases": stored,
                                 "endpoints": args.endpoints, "cpu_seconds": cpu})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
