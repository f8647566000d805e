//! The running system as a diagram: its components (nodes), the request paths between
//! them (edges), and for each a live reading taken from the metrics registry — a node's
//! health (ok / degraded / failing, with the reasons), an edge's request rate — plus the
//! components an active scenario strikes. The UI only draws what `snapshot` returns.
//!
//! What a diagram is made of and how readings are taken is `diagram.rs`; each system
//! describes its own (`SystemMeta::diagram`), so nothing here knows one system from
//! another. Readings are deterministic and need no hooks in the systems.

use crate::diagram::{Diagram, Readings, EMPTY};
pub use crate::diagram::{
    EdgeSpec, Health, NodeSpec, Options, BUSY_DEGRADED, BUSY_FAILING, ERRORS_DEGRADED,
    ERRORS_FAILING, WINDOW_NS,
};
use crate::params::ParamSet;
use crate::query::RunView;
use crate::scenario::ScenarioMeta;
use crate::time::Nanos;
use serde::Serialize;

/// A node with its reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeState {
    pub spec: NodeSpec,
    pub health: Health,
    /// Why it has that health, e.g. "errors 12.0% ≥ 10%"; empty when ok.
    pub reasons: Vec<String>,
    /// A short reading, e.g. "p99 120 ms, busy 45%".
    pub detail: String,
    /// Ids of the active scenarios striking it.
    pub struck_by: Vec<&'static str>,
}

/// An edge with its request rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeState {
    pub spec: EdgeSpec,
    pub rate_rps: f64,
}

/// The diagram at one instant of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyView {
    /// The sample the readings are from.
    pub t_ns: Nanos,
    pub nodes: Vec<NodeState>,
    pub edges: Vec<EdgeState>,
}

impl TopologyView {
    pub fn node(&self, id: &str) -> Option<&NodeState> {
        self.nodes.iter().find(|n| n.spec.id == id)
    }
}

/// The diagram of system `system` (an unknown one has none).
pub fn diagram_of(system: &str) -> &'static Diagram {
    crate::systems::ALL
        .iter()
        .find(|s| s.id == system)
        .map_or(&EMPTY, |s| s.diagram)
}

/// The nodes and edges of system `system` with the optional parts `options` give it.
pub fn layout(system: &str, options: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    (diagram_of(system).layout)(options)
}

/// What the diagram reads of a run: its system and the system's parameters, its
/// metrics and golden series, the scenarios striking now.
#[derive(Clone)]
pub struct Reading<'a> {
    pub system: &'static str,
    /// `None` when they do not validate (every optional part is then drawn).
    pub params: Option<ParamSet>,
    pub run: RunView<'a>,
    /// The scenarios active at the run's current time.
    pub striking: Vec<&'static ScenarioMeta>,
}

/// Something the diagram can be read from: a `Lab` (`sim` implements this), or a
/// `Reading` of its parts.
pub trait Read {
    fn reading(&self) -> Reading<'_>;
}

impl Read for Reading<'_> {
    fn reading(&self) -> Reading<'_> {
        self.clone()
    }
}

/// The diagram of a run's system with readings at its latest sample and the
/// components its active scenarios strike now.
pub fn snapshot(run: &impl Read) -> TopologyView {
    let Reading {
        system,
        params,
        run,
        striking,
    } = run.reading();
    let diagram = diagram_of(system);
    let registered = |name: &str| run.metrics.spec(name).is_some();
    let options = Options {
        params: params.as_ref(),
        registered: &registered,
    };
    let (nodes, edges) = (diagram.layout)(&options);
    let end = run.latest_sample().unwrap_or(0);
    let q = Readings {
        reg: run.metrics,
        end,
        params: params.as_ref(),
    };
    TopologyView {
        t_ns: end,
        nodes: nodes
            .iter()
            .map(|spec| {
                let mut details = Vec::new();
                let verdict = (diagram.read_node)(&q, spec, &mut details);
                let (health, reasons, detail) =
                    (verdict.health, verdict.reasons, details.join(", "));
                let struck_by = striking
                    .iter()
                    .filter(|s| s.strikes.iter().any(|c| spec.components.contains(c)))
                    .map(|s| s.id)
                    .collect();
                NodeState {
                    spec: *spec,
                    health,
                    reasons,
                    detail,
                    struck_by,
                }
            })
            .collect(),
        edges: edges
            .iter()
            .map(|spec| EdgeState {
                spec: *spec,
                rate_rps: (diagram.read_edge)(&q, spec),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::NS_PER_SEC;
    use crate::{Lab, LabConfig};

    fn run(system: &str, switches: &[(&str, &[(&str, &str)])], secs: u64) -> Lab {
        let mut cfg = LabConfig::new(system);
        cfg.seed = 7;
        for (id, params) in switches {
            cfg.enable(id).expect("switch exists");
            for (k, v) in *params {
                cfg.set(&format!("{id}.{k}"), v).expect("valid param");
            }
        }
        let mut lab = Lab::new(&cfg).expect("lab builds");
        lab.run_until(secs * NS_PER_SEC);
        lab
    }

    /// The dashboard draws a focused component's metrics from their declarations.
    #[test]
    fn every_node_metric_is_declared() {
        for system in ["web", "queue"] {
            for node in layout(system, &Options::ALL).0 {
                assert!(!node.metrics.is_empty(), "{}", node.id);
                for m in node.metrics {
                    assert!(
                        crate::catalog::find_metric(m).is_some(),
                        "{}: `{m}` is not a declared metric",
                        node.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_edge_joins_two_nodes_of_its_system() {
        // The web system without its optional parts: no cache, no replica, no queue.
        let mut cfg = LabConfig::new("web");
        cfg.set("cache_enabled", "false").expect("valid");
        cfg.set("read_replica", "false").expect("valid");
        let bare_params = cfg.system_param_set().expect("valid");
        let bare = Options {
            params: Some(&bare_params),
            registered: &|_| false,
        };
        for (sys, options) in [
            ("web", Options::ALL),
            ("web", bare),
            ("queue", Options::ALL),
        ] {
            let (nodes, edges) = layout(sys, &options);
            assert!(!nodes.is_empty());
            for e in &edges {
                assert!(nodes.iter().any(|n| n.id == e.from), "{sys}: {}", e.from);
                assert!(nodes.iter().any(|n| n.id == e.to), "{sys}: {}", e.to);
            }
            let mut ids: Vec<_> = nodes.iter().map(|n| n.id).collect();
            ids.dedup();
            assert_eq!(ids.len(), nodes.len(), "{sys}: unique ids");
            let mut cells: Vec<_> = nodes.iter().map(|n| (n.col, n.row)).collect();
            cells.sort();
            cells.dedup();
            assert_eq!(cells.len(), nodes.len(), "{sys}: one node per grid cell");
            // Drawn left to right: an edge leaves its node's right side for a node in a
            // column further right, so no edge runs backwards across the diagram.
            let col = |id: &str| nodes.iter().find(|n| n.id == id).map(|n| n.col);
            for e in &edges {
                assert!(col(e.from) < col(e.to), "{sys}: {} → {}", e.from, e.to);
            }
            // Readable: at most five columns and six rows.
            assert!(nodes.iter().all(|n| n.col < 5 && n.row < 6), "{sys}");
        }
        let (nodes, _) = layout("web", &bare);
        let optional = ["cache", "replica", "mq", "ledger"];
        assert!(nodes.iter().all(|n| !optional.contains(&n.id)));
        assert!(layout("nope", &Options::ALL).0.is_empty());
    }

    #[test]
    fn a_healthy_web_run_is_all_ok_with_traffic_on_every_edge() {
        let lab = run("web", &[], 20);
        let view = snapshot(&lab);
        for n in &view.nodes {
            assert_eq!(
                n.health,
                Health::Ok,
                "{}: {:?} {}",
                n.spec.id,
                n.reasons,
                n.detail
            );
            assert!(n.struck_by.is_empty());
        }
        for e in &view.edges {
            // An instance asks the resolver only when its cached answer expires
            // (dns_ttl_s, a minute by default): that edge is mostly quiet.
            if e.spec.to == "dns" {
                continue;
            }
            assert!(e.rate_rps > 0.0, "{} → {}", e.spec.from, e.spec.to);
        }
        let into_lb = view.edges[0].rate_rps;
        let golden = lab.golden().throughput_rps;
        assert!(
            into_lb >= golden,
            "all answers ≥ ok answers: {into_lb} {golden}"
        );
    }

    /// Readings look at the window only (binary searches into the history), and must
    /// agree with the query language evaluating the same expressions over the whole
    /// history, long after the window.
    #[test]
    fn readings_agree_with_the_query_language_late_in_a_run() {
        let lab = run("web", &[("slow-db-query", &[])], 90);
        let view = snapshot(&lab);
        let at = |expr: &str| {
            crate::query::Query::parse(expr)
                .expect(expr)
                .eval_at(&lab, view.t_ns)
        };
        for e in &view.edges {
            let selector = e.spec.rate_of;
            if selector.contains(" + ") {
                continue;
            }
            let want = at(&format!("sum(rate({selector}[5s]))"));
            assert!(
                (e.rate_rps - want).abs() <= 1e-9 * want.max(1.0),
                "{} → {}: {} vs {want}",
                e.spec.from,
                e.spec.to,
                e.rate_rps
            );
        }
        let db = view.node("database").expect("database node");
        let p99 = at(
            "histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[5s])))",
        );
        assert!(
            p99 > crate::systems::web::diagram::DB_SLOW_P99_S,
            "slow-db-query makes db p99 {p99} s"
        );
        assert_ne!(db.health, Health::Ok, "{:?}", db.reasons);
        assert!(
            db.detail
                .contains(&format!("query p99 {}", crate::diagram::secs(p99))),
            "the database's reading is the query p99 {p99}: {}",
            db.detail
        );
    }

    #[test]
    fn a_failing_dependency_is_marked_struck_and_failing() {
        let id = "502-bad-gateway";
        let lab = run("web", &[(id, &[])], 30);
        let view = snapshot(&lab);
        let pay = view.node("payment").expect("payment node");
        assert_eq!(pay.struck_by, vec![id]);
        assert!(
            pay.health >= Health::Degraded,
            "{id}: {:?} {}",
            pay.reasons,
            pay.detail
        );
        assert!(!pay.reasons.is_empty());
        let db = view.node("database").expect("db node");
        assert!(
            db.struck_by.is_empty(),
            "a dependency fault does not strike the db"
        );
    }

    #[test]
    fn an_overloaded_queue_is_saturated() {
        let mut cfg = LabConfig::new("queue");
        cfg.set("arrival_rate_rps", "150").unwrap();
        cfg.set("service_time_ms", "10").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        let view = snapshot(&lab);
        let workers = view.node("workers").unwrap();
        assert_eq!(workers.health, Health::Failing, "{:?}", workers.reasons);
        assert!(workers.reasons.iter().any(|r| r.starts_with("busy")));
        assert_eq!(view.node("arrivals").unwrap().health, Health::Ok);

        let mut light = LabConfig::new("queue");
        light.set("arrival_rate_rps", "20").unwrap();
        let mut lab = Lab::new(&light).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        assert_eq!(snapshot(&lab).node("workers").unwrap().health, Health::Ok);
    }

    #[test]
    fn before_the_first_sample_everything_is_idle() {
        let lab = Lab::new(&LabConfig::new("web")).unwrap();
        let view = snapshot(&lab);
        assert!(view.nodes.iter().all(|n| n.health == Health::Idle));
        assert!(view.edges.iter().all(|e| e.rate_rps == 0.0));
    }

    #[test]
    fn a_database_fault_filters_to_database_logs_and_traces() {
        let lab = run("web", &[("network-partition", &[])], 20);
        let (nodes, _) = layout("web", &Options::ALL);
        let db = nodes.iter().find(|n| n.id == "database").unwrap();
        let pay = nodes.iter().find(|n| n.id == "payment").unwrap();
        let db_logs = lab.logs().filter(|l| db.matches_log(l)).count();
        assert!(
            db_logs > 0,
            "failed database calls name the database: {:?}",
            lab.logs().take(5).collect::<Vec<_>>()
        );
        assert!(lab.logs().filter(|l| db.matches_log(l)).all(|l| l
            .fields
            .iter()
            .any(|(_, v)| v == "postgres")
            || l.service == "postgres"));
        assert!(lab.traces().any(|t| db.matches_trace(t)));
        assert!(
            lab.traces().any(|t| !pay.matches_trace(t)),
            "reads skip payment"
        );
    }

    fn node(view: &TopologyView, id: &str) -> NodeState {
        view.node(id)
            .unwrap_or_else(|| panic!("no {id} node in {:?}", view.nodes))
            .clone()
    }

    #[test]
    fn a_full_disk_fails_the_disk_node_and_strikes_it_alone() {
        let view = snapshot(&run("web", &[("disk-full", &[])], 90));
        let disk = node(&view, "disk");
        assert_eq!(disk.struck_by, vec!["disk-full"]);
        assert_eq!(
            disk.health,
            Health::Failing,
            "{:?} {}",
            disk.reasons,
            disk.detail
        );
        assert!(
            disk.reasons
                .iter()
                .any(|r| r.starts_with("write failures/s")),
            "{:?}",
            disk.reasons
        );
        assert!(disk.detail.contains("free"), "{}", disk.detail);
        // The database's writes fail too, but the fault is not in the database.
        assert!(node(&view, "database").struck_by.is_empty());
    }

    #[test]
    fn a_saturated_disk_is_slow_and_busy() {
        let view = snapshot(&run("web", &[("disk-io-saturation", &[])], 30));
        let disk = node(&view, "disk");
        assert_eq!(disk.struck_by, vec!["disk-io-saturation"]);
        assert!(
            disk.health >= Health::Degraded,
            "{:?} {}",
            disk.reasons,
            disk.detail
        );
        assert!(
            disk.reasons
                .iter()
                .any(|r| r.starts_with("WAL p99") || r.starts_with("busy")),
            "{:?}",
            disk.reasons
        );
    }

    #[test]
    fn a_failing_resolver_fails_the_dns_node() {
        let healthy = snapshot(&run("web", &[], 90));
        assert_eq!(node(&healthy, "dns").health, Health::Ok);
        let id = "dns-resolution-failure";
        let lab = run("web", &[(id, &[])], 90);
        let view = snapshot(&lab);
        let dns = node(&view, "dns");
        assert!(dns.struck_by.contains(&id), "{:?}", dns.struck_by);
        assert_eq!(
            dns.health,
            Health::Failing,
            "{:?} {}",
            dns.reasons,
            dns.detail
        );
        assert!(dns.reasons.iter().any(|r| r.starts_with("failed lookups")));
        // Its logs and traces name the resolver.
        let spec = dns.spec;
        assert!(lab.logs().any(|l| spec.matches_log(l)));
        assert!(lab.traces().any(|t| spec.matches_trace(t)));
    }

    #[test]
    fn the_ledger_appears_with_the_chain_and_shows_its_timeouts() {
        let plain = snapshot(&run("web", &[], 10));
        assert!(plain.node("ledger").is_none());
        let id = "timeout-cascade";
        let view = snapshot(&run("web", &[(id, &[])], 30));
        let ledger = node(&view, "ledger");
        assert!(ledger.struck_by.contains(&id));
        assert!(
            ledger.health >= Health::Degraded,
            "{:?} {}",
            ledger.reasons,
            ledger.detail
        );
        assert!(ledger
            .reasons
            .iter()
            .any(|r| r.starts_with("timed-out calls")));
        let edge = view.edges.iter().find(|e| e.spec.to == "ledger").unwrap();
        assert_eq!(edge.spec.from, "payment");
        assert!(edge.rate_rps > 0.0);
    }

    #[test]
    fn the_message_queue_is_drawn_when_on_and_fails_when_consumers_fall_behind() {
        let on: &[(&str, &[(&str, &str)])] = &[];
        let mut cfg = LabConfig::new("web");
        cfg.set("message_queue", "true").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        let view = snapshot(&lab);
        let mq = node(&view, "mq");
        assert_eq!(mq.health, Health::Ok, "{:?} {}", mq.reasons, mq.detail);
        let edge = view.edges.iter().find(|e| e.spec.to == "mq").unwrap();
        // Two events per order: created and paid, about 40 orders a second.
        assert!((60.0..100.0).contains(&edge.rate_rps), "{}", edge.rate_rps);
        assert!(snapshot(&run("web", on, 10)).node("mq").is_none());

        // Consumers at 100 ms a message on 4 partitions: 40 a second for ~80 published.
        cfg.set("mq_consumer_ms", "100").unwrap();
        cfg.enable("event-ordering-violation").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(60 * NS_PER_SEC);
        let mq = node(&snapshot(&lab), "mq");
        assert_eq!(mq.health, Health::Failing, "{:?} {}", mq.reasons, mq.detail);
        assert!(mq.reasons.iter().any(|r| r.starts_with("age p99")));
        assert_eq!(mq.struck_by, vec!["event-ordering-violation"]);
    }

    #[test]
    fn a_flood_saturates_the_api_and_a_refused_flooder_leaves_the_load_balancer_ok() {
        let inbound: &[(&str, &str)] = &[("client_retries", "0"), ("quota_rps", "1000")];
        let flooded = snapshot(&run("web", &[("rate-limit", inbound)], 20));
        let lb = node(&flooded, "load_balancer");
        assert!(lb.struck_by.contains(&"rate-limit"));
        let api = node(&flooded, "api");
        assert_eq!(api.health, Health::Failing, "{:?}", api.reasons);
        assert!(api.reasons.iter().any(|r| r.starts_with("busy")));

        let limited = snapshot(&run(
            "web",
            &[("rate-limit", inbound), ("rate-limiter", &[])],
            20,
        ));
        let lb = node(&limited, "load_balancer");
        assert_eq!(lb.health, Health::Ok, "{:?} {}", lb.reasons, lb.detail);
        assert!(lb.detail.contains("flooder refused"), "{}", lb.detail);
        assert_eq!(node(&limited, "api").health, Health::Ok);
        assert_eq!(node(&limited, "clients").health, Health::Ok);
    }

    #[test]
    fn snapshots_are_deterministic() {
        let a = snapshot(&run("web", &[], 10));
        let b = snapshot(&run("web", &[], 10));
        assert_eq!(a, b);
    }
}
