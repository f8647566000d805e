//! The web system's metric handles: the fixed series, registered once in one order (the
//! order the registry, its exposition and the run's digest follow), each part's handed
//! to it; and the handles of series that exist only once a mitigation or scenario uses
//! them.

use super::cache::CacheIds;
use super::client::ClientIds;
use super::hedge;
use super::metrics::{DB_POOL_WAIT, DB_QUERY_DURATION};
use super::payment::PaymentIds;
use super::request::{ENDPOINTS, QUERY_TYPES, SERVICE};
use super::rows::RowIds;
use crate::metrics::{CounterId, GaugeId, HistogramId, Registry};
use crate::systems::common;

/// `http_requests_total` by status and the latency histogram of one endpoint.
pub(super) struct EndpointIds {
    pub ok: CounterId,
    pub rejected: CounterId,
    pub failed: CounterId,
    pub bad_gateway: CounterId,
    pub timeout: CounterId,
    pub conflict: CounterId,
    pub unauthorized: CounterId,
    pub too_many: CounterId,
    pub duration: HistogramId,
}

pub(super) struct Ids {
    pub endpoints: [EndpointIds; 2],
    pub in_flight: GaugeId,
    pub depth: GaugeId,
    pub busy: GaugeId,
    pub utilization: GaugeId,
    pub wait: HistogramId,
    pub pool_wait: HistogramId,
    pub query_duration: [HistogramId; 2],
    pub cache: CacheIds,
    pub payment: PaymentIds,
    pub client: ClientIds,
    pub rows: RowIds,
}

/// Handles of metrics that exist only while a mitigation (or scenario) uses them.
#[derive(Default)]
pub(super) struct LazyIds {
    /// By `TIMEOUT_LAYERS`.
    pub timeouts: [Option<CounterId>; 3],
    /// By `SHED_REASONS`.
    pub shed: [Option<CounterId>; 2],
    pub coalesced: Option<CounterId>,
    /// `rate_limited_total{client}` by client class (`flood::CLASSES`).
    pub rate_limited: [Option<CounterId>; 2],
    /// `http_requests_total{status="400"}`, registered at the first bad request.
    pub bad_request: [Option<CounterId>; 2],
    /// `http_requests_total{status="403"}`, registered at the first refused request.
    pub forbidden: [Option<CounterId>; 2],
    /// Hedging: sent, wins, wasted seconds, budget exhausted.
    pub hedge: Option<hedge::HedgeIds>,
}

pub(super) fn register_ids(m: &mut Registry) -> Ids {
    let endpoint_ids = |m: &mut Registry, e: &str| EndpointIds {
        ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "200"]),
        rejected: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "503"]),
        failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "500"]),
        bad_gateway: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "502"]),
        timeout: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "504"]),
        conflict: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "409"]),
        unauthorized: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "401"]),
        too_many: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "429"]),
        duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, e]),
    };
    Ids {
        endpoints: [endpoint_ids(m, ENDPOINTS[0]), endpoint_ids(m, ENDPOINTS[1])],
        in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
        depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
        busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
        utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
        wait: m.histogram(&common::WAIT, &[SERVICE]),
        pool_wait: m.histogram(&DB_POOL_WAIT, &[]),
        query_duration: [
            m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[0]]),
            m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[1]]),
        ],
        cache: CacheIds::register(m),
        payment: PaymentIds::register(m),
        client: ClientIds::register(m),
        rows: RowIds::register(m),
    }
}
