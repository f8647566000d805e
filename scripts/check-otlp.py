#!/usr/bin/env python3
"""Reads an OTLP JSON traces file (what `sdl run --traces FILE` and the lab's Export
write) with the official OpenTelemetry protobuf definitions (PyPI `opentelemetry-proto`),
and checks what Jaeger or Tempo rely on: every resource names its service, ids have the
right lengths, every span's parent is in its trace, each trace has one root, kinds and
times are sane, HTTP server spans carry `http.response.status_code`, and a root that
follows another trace's span (a CONSUMER span with links: a projection applying an
event, a saga started by an order) links to a span of the file.

OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping expects
base64: they are converted first, as an OTLP receiver does. Exit 0 when every check
holds, 1 otherwise (each failure printed).

    .tools/venv/bin/python scripts/check-otlp.py traces.json
"""
import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status


def hex_to_b64(doc):
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
                for link in span.get("links", []):
                    for key in ("traceId", "spanId"):
                        link[key] = base64.b64encode(bytes.fromhex(link[key])).decode()
    return doc


def main(path):
    with open(path) as f:
        doc = hex_to_b64(json.load(f))
    req = ExportTraceServiceRequest()
    json_format.ParseDict(doc, req)  # unknown fields are an error
    failures = []
    traces = {}
    for rs in req.resource_spans:
        names = [a.value.string_value for a in rs.resource.attributes if a.key == "service.name"]
        if len(names) != 1 or not names[0]:
            failures.append(f"a resource without one service.name: {rs.resource}")
        for ss in rs.scope_spans:
            if not ss.scope.name:
                failures.append("a scope without a name")
            for span in ss.spans:
                if len(span.trace_id) != 16 or len(span.span_id) != 8:
                    failures.append(f"span {span.name}: id lengths {len(span.trace_id)}/{len(span.span_id)}")
                if span.parent_span_id and len(span.parent_span_id) != 8:
                    failures.append(f"span {span.name}: parent id length {len(span.parent_span_id)}")
                if span.kind not in (Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CLIENT, Span.SPAN_KIND_INTERNAL, Span.SPAN_KIND_CONSUMER):
                    failures.append(f"span {span.name}: kind {span.kind}")
                if span.end_time_unix_nano < span.start_time_unix_nano:
                    failures.append(f"span {span.name}: ends before it starts")
                if span.status.code not in (Status.STATUS_CODE_UNSET, Status.STATUS_CODE_ERROR):
                    failures.append(f"span {span.name}: status {span.status.code}")
                traces.setdefault(span.trace_id, []).append((names[0] if names else "", span))
    spans = 0
    links = 0
    resolved = 0
    every_span = {(s.trace_id, s.span_id) for members in traces.values() for _, s in members}
    for tid, members in traces.items():
        ids = {s.span_id for _, s in members}
        roots = [s for _, s in members if not s.parent_span_id]
        spans += len(members)
        if len(roots) != 1:
            failures.append(f"trace {tid.hex()}: {len(roots)} roots")
        for _, s in members:
            if s.parent_span_id and s.parent_span_id not in ids:
                failures.append(f"trace {tid.hex()}: span {s.name}'s parent is not in the trace")
        for _, s in members:
            for link in s.links:
                links += 1
                if len(link.trace_id) != 16 or len(link.span_id) != 8:
                    failures.append(f"span {s.name}: link id lengths")
                elif link.trace_id == tid:
                    failures.append(f"span {s.name}: links into its own trace")
                elif (link.trace_id, link.span_id) in every_span:
                    resolved += 1
        for root in roots:
            if root.kind == Span.SPAN_KIND_CONSUMER:
                if not root.links:
                    failures.append(f"trace {tid.hex()}: a CONSUMER root without links")
            elif root.kind != Span.SPAN_KIND_SERVER:
                failures.append(f"trace {tid.hex()}: the root is neither SERVER nor a linked CONSUMER span")
            keys = {a.key for a in root.attributes}
            if "http.response.status_code" not in keys and "http.request.method" in keys:
                failures.append(f"trace {tid.hex()}: an HTTP root without http.response.status_code")
    if not traces:
        failures.append("no traces")
    # A link's target may have left the bounded trace buffer before the file was
    # written, but not all of them.
    if links and not resolved:
        failures.append(f"none of the {links} links points to a span in the file")
    for f in failures[:20]:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"OK: {len(traces)} traces, {spans} spans, {links} links in {len(req.resource_spans)} services read with opentelemetry-proto")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
