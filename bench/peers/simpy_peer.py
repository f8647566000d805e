"""The benchmark models in SimPy (process-based discrete-event simulation), written the
way its documentation writes a queue: one generator process per request, servers and
connection pools as `simpy.Resource`. Prints the results as JSON (bench/src/results.rs).

Usage: python simpy_peer.py [--quick] [--json PATH] [--models mm1,web] [--reps N]
"""

import random
import time

import simpy

import common


def run_queue(model, warmup, end, seed):
    """M/M/c or M/D/c: Poisson arrivals, `workers` servers, one FIFO queue."""
    common.check_queue(model)
    p = model["params"]
    lam = float(p["arrival_rate_rps"])
    mean_service = p["service_time_ms"] / 1000.0
    arrivals_rng = random.Random(seed * 1000 + 1)
    service_rng = random.Random(seed * 1000 + 2)
    if p["service_time_distribution"] == "deterministic":
        def service():
            return mean_service
    else:
        def service():
            return service_rng.expovariate(1.0 / mean_service)

    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=int(p["workers"]))
    waits, latencies = [], []
    done = [0]

    def request(env):
        arrival = env.now
        with servers.request() as turn:
            yield turn
            start = env.now
            yield env.timeout(service())
        done[0] += 1
        if arrival >= warmup:
            waits.append(start - arrival)
            latencies.append(env.now - arrival)

    def clients(env):
        while True:
            yield env.timeout(arrivals_rng.expovariate(lam))
            env.process(request(env))

    t0, c0 = time.perf_counter(), time.thread_time()
    env.process(clients(env))
    env.run(until=end)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    # SimPy numbers every event it schedules; the counter is its event count.
    events = next(env._eid)
    return wall, cpu, done[0], events, waits, latencies, 0


def run_web(model, warmup, end, seed):
    """Clients → round-robin load balancer → instances (worker pool, bounded accept
    queue, CPU time) → a query through the instance's own database connection pool →
    for writes, a call to the payment dependency after the connection is returned.
    The worker is held until the response, as in the engine."""
    p = model["params"]
    lam = float(p["arrival_rate_rps"])
    n = int(p["instances"])
    workers = int(p["workers"])
    capacity = int(p["queue_capacity"])
    cpu_mean = p["cpu_time_ms"] / 1000.0
    write_fraction = float(p["write_fraction"])
    cv = float(p["db_time_cv"])
    queries = [common.lognormal_mu_sigma(p["db_read_ms"] / 1000.0, cv),
               common.lognormal_mu_sigma(p["db_write_ms"] / 1000.0, cv)]
    payment = common.lognormal_mu_sigma(p["payment_latency_ms"] / 1000.0, 0.5)
    delay = common.fixed_latency(model)
    arrivals_rng = random.Random(seed * 1000 + 1)
    work_rng = random.Random(seed * 1000 + 2)

    env = simpy.Environment()
    instances = [(simpy.Resource(env, capacity=workers),
                  simpy.Resource(env, capacity=int(p["db_pool_size"]))) for _ in range(n)]
    waits, latencies = [], []
    done = [0]
    rejected = [0]

    def request(env, instance, write):
        arrival = env.now
        workers_res, pool = instances[instance]
        if (workers_res.count >= workers and capacity > 0
                and len(workers_res.queue) >= capacity):
            done[0] += 1
            if arrival >= warmup:
                rejected[0] += 1
            return
        with workers_res.request() as worker:
            yield worker
            start = env.now
            cpu = work_rng.expovariate(1.0 / cpu_mean)
            if delay is not None and (delay[1] >= 1.0 or work_rng.random() < delay[1]):
                cpu += delay[0]
            yield env.timeout(cpu)
            with pool.request() as connection:
                yield connection
                mu, sigma = queries[write]
                yield env.timeout(work_rng.lognormvariate(mu, sigma))
            if write:
                yield env.timeout(work_rng.lognormvariate(*payment))
        done[0] += 1
        if arrival >= warmup:
            waits.append(start - arrival)
            latencies.append(env.now - arrival)

    def clients(env):
        next_instance = 0
        while True:
            yield env.timeout(arrivals_rng.expovariate(lam))
            write = 1 if work_rng.random() < write_fraction else 0
            env.process(request(env, next_instance, write))
            next_instance = (next_instance + 1) % n

    t0, c0 = time.perf_counter(), time.thread_time()
    env.process(clients(env))
    env.run(until=end)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    return wall, cpu, done[0], next(env._eid), waits, latencies, rejected[0]


def main():
    args = common.parse_args("simpy")
    doc = common.load_models()
    rows = []
    for model in common.selected(doc, "simpy", args):
        _, measured, warmup = common.sizes(doc, model, "simpy", args.quick)
        common.progress(f"simpy: {model['id']} …")
        run = run_queue if model["system"] == "queue" else run_web
        pooled = common.Pooled(model["id"])
        for rep in range(args.reps):
            pooled.add(*run(model, warmup, warmup + measured, rep + 1))
        rows.append(pooled.row())
    common.emit("simpy", "SimPy", simpy.__version__, args, rows)


if __name__ == "__main__":
    main()
