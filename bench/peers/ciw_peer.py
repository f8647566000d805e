"""The benchmark models in Ciw (a library for open queueing networks): each model is a
network of nodes with arrival and service distributions, servers and queue capacities.
Prints the results as JSON (bench/src/results.rs).

Usage: python ciw_peer.py [--quick] [--json PATH] [--models mm1,web] [--reps N]
"""

import time

import ciw

import common


class EventCounter(ciw.trackers.StateTracker):
    """Ciw calls `timestamp` once per event its main loop handles: count them (and skip
    the default tracker's state hashing)."""

    def initialise(self, simulation):
        self.simulation = simulation
        self.events = 0

    def timestamp(self):
        self.events += 1


def run_queue(model, warmup, end, seed):
    common.check_queue(model)
    p = model["params"]
    lam = float(p["arrival_rate_rps"])
    mean_service = p["service_time_ms"] / 1000.0
    if p["service_time_distribution"] == "deterministic":
        service = ciw.dists.Deterministic(value=mean_service)
    else:
        service = ciw.dists.Exponential(rate=1.0 / mean_service)
    t0, c0 = time.perf_counter(), time.thread_time()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[service],
        number_of_servers=[int(p["workers"])],
    )
    ciw.seed(seed)
    counter = EventCounter()
    sim = ciw.Simulation(network, tracker=counter)
    sim.simulate_until_max_time(end)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    records = [r for r in sim.get_all_records() if r.record_type == "service"]
    records.sort(key=lambda r: r.exit_date)
    measured = [r for r in records if r.arrival_date >= warmup]
    waits = [r.waiting_time for r in measured]
    latencies = [r.exit_date - r.arrival_date for r in measured]
    return wall, cpu, len(records), counter.events, waits, latencies, 0


WEB_NOTE = ("Ciw moves a customer from node to node, so the worker is released when the "
            "database query starts (it is held while waiting for a connection, by "
            "blocking) and a write holds its connection through the payment call; "
            "round-robin is modelled as Erlang-N arrivals at each instance.")


def run_web(model, warmup, end, seed):
    """Instances 1..N (workers, accept queue, CPU time) each route to their own pool node
    N+1..2N (connections, query time; no waiting room, so a request waiting for a
    connection blocks its worker)."""
    p = model["params"]
    lam = float(p["arrival_rate_rps"])
    n = int(p["instances"])
    cpu_mean = p["cpu_time_ms"] / 1000.0
    cv = float(p["db_time_cv"])
    w = float(p["write_fraction"])
    read = ciw.dists.Lognormal(*common.lognormal_mu_sigma(p["db_read_ms"] / 1000.0, cv))
    write = ciw.dists.Lognormal(*common.lognormal_mu_sigma(p["db_write_ms"] / 1000.0, cv))
    # Ciw cannot send only writes on to a payment node from a mixed node, so a write's
    # payment call is part of its time at the pool node.
    write = write + ciw.dists.Lognormal(
        *common.lognormal_mu_sigma(p["payment_latency_ms"] / 1000.0, 0.5))
    query = ciw.dists.MixtureDistribution([read, write], [1.0 - w, w])
    cpu = ciw.dists.Exponential(rate=1.0 / cpu_mean)
    delay = common.fixed_latency(model)
    if delay is not None:
        if delay[1] < 1.0:
            raise SystemExit("ciw peer: fixed-latency with probability < 1 is not modelled")
        cpu = cpu + ciw.dists.Deterministic(value=delay[0])
    # Round-robin over N instances of a Poisson stream: each instance sees gaps that are
    # sums of N exponentials, i.e. Gamma(N, 1/λ).
    per_instance = ciw.dists.Gamma(shape=n, scale=1.0 / lam)
    capacity = int(p["queue_capacity"])
    t0, c0 = time.perf_counter(), time.thread_time()
    network = ciw.create_network(
        arrival_distributions=[per_instance] * n + [None] * n,
        service_distributions=[cpu] * n + [query] * n,
        number_of_servers=[int(p["workers"])] * n + [int(p["db_pool_size"])] * n,
        queue_capacities=[capacity if capacity > 0 else float("inf")] * n + [0] * n,
        routing=ciw.routing.NetworkRouting(
            routers=[ciw.routing.Direct(to=n + 1 + i) for i in range(n)]
            + [ciw.routing.Leave() for _ in range(n)]),
    )
    ciw.seed(seed)
    counter = EventCounter()
    sim = ciw.Simulation(network, tracker=counter)
    sim.simulate_until_max_time(end)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0

    front, back = {}, {}
    rejected, rejected_measured = 0, 0
    for r in sim.get_all_records():
        if r.record_type == "rejection":
            rejected += 1
            if r.arrival_date >= warmup:
                rejected_measured += 1
        elif r.record_type == "service":
            (front if r.node <= n else back)[r.id_number] = r
    finished = sorted(back.values(), key=lambda r: r.exit_date)
    waits, latencies = [], []
    for r in finished:
        f = front[r.id_number]
        if f.arrival_date >= warmup:
            waits.append(f.waiting_time)
            latencies.append(r.exit_date - f.arrival_date)
    return wall, cpu, len(finished) + rejected, counter.events, waits, latencies, rejected_measured


def main():
    args = common.parse_args("ciw")
    doc = common.load_models()
    rows = []
    for model in common.selected(doc, "ciw", args):
        _, measured, warmup = common.sizes(doc, model, "ciw", args.quick)
        common.progress(f"ciw: {model['id']} …")
        is_queue = model["system"] == "queue"
        run = run_queue if is_queue else run_web
        pooled = common.Pooled(model["id"])
        for rep in range(args.reps):
            pooled.add(*run(model, warmup, warmup + measured, rep + 1))
        rows.append(pooled.row(None if is_queue else WEB_NOTE))
    common.emit("ciw", "Ciw", ciw.__version__, args, rows)


if __name__ == "__main__":
    main()
