#!/usr/bin/env python3
"""`make scorm`: SCORM 1.2, SCORM 2004 (4th edition) and cmi5 packages, one per tutorial series.

Each package is a zip with `imsmanifest.xml` at its root and the whole built site
(dist/). The series is one organisation whose items are its tutorials, in order; every
item launches the same SCO, `index.html`, with `?series=<id>&tutorial=<id>` as its
parameters. In the package the lab finds the LMS's API from the launching frame
(app/src/lms.rs), reports completion, the quiz score and pass/fail against the mastery
score every item states (`MASTERY_SCORE`: SCORM 1.2 `adlcp:masteryscore`, SCORM 2004 the
primary objective's `imsss:minNormalizedMeasure`, which the LMS gives the SCO as
`cmi.scaled_passing_score`), and keeps progress in suspend data; opened without an LMS it
works standalone.

The cmi5 package maps the series the same way: a course whose AUs are its tutorials,
each launching `index.html?series=<id>&tutorial=<id>` (relative; the LMS adds the cmi5
launch parameters), with moveOn `CompletedAndPassed` and `masteryScore` 0.8 where the
tutorial has a quiz (every tutorial has one), else moveOn `Completed`. Its `cmi5.xml` is
at the root; the lab sees the cmi5 launch in its address (app/src/cmi5.rs). As the LRS a
launch names may be on another origin, the package's `index.html` lets the page connect
to https origins (its CSP's `connect-src`); the lab itself requests only the launch's
fetch URL and LRS endpoint.

Each SCORM package carries, at its root, the schema files its manifest's `xsi:schemaLocation`
names (and those they import), from scripts/scorm-schemas/ (see the README there for
where they come from).

Reads the series and tutorials from content/series.toml and content/tutorials/<series>/
*.toml (the `content` crate's data). Writes scorm/<series>-scorm12.zip,
scorm/<series>-scorm2004.zip and scorm/<series>-cmi5.zip.

Usage: scripts/scorm.py [--dist DIR] [--content DIR] [--out DIR]
Only the Python standard library (3.11+: tomllib); reproducible bytes.
"""

import argparse
import glob
import os
import sys
import tomllib
import zipfile
from xml.sax.saxutils import escape, quoteattr

ZIP_TIME = (2024, 1, 1, 0, 0, 0)
SCO_HREF = "index.html"
# The quiz score, in percent, that passes a tutorial: the same as MASTERY_PERCENT in
# app/src/lms.rs, which the lab uses when an LMS states none.
MASTERY_SCORE = 80
SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scorm-schemas")


def fail(msg: str) -> None:
    print(f"scorm: {msg}", file=sys.stderr)
    sys.exit(2)


def load_series(content: str) -> list:
    path = os.path.join(content, "series.toml")
    if not os.path.isfile(path):
        fail(f"{path} not found: the tutorials (content/) are not in this tree")
    try:
        with open(path, "rb") as f:
            series = tomllib.load(f).get("series", [])
    except tomllib.TOMLDecodeError as e:
        fail(f"{path}: {e}")
    if not series:
        fail(f"{path} lists no [[series]]")
    out = []
    for s in sorted(series, key=lambda s: (s.get("order", 0), s.get("id", ""))):
        for key in ("id", "title"):
            if not isinstance(s.get(key), str) or not s[key]:
                fail(f"{path}: a [[series]] has no `{key}`")
        tutorials = []
        for t_path in sorted(glob.glob(os.path.join(content, "tutorials", s["id"], "*.toml"))):
            try:
                with open(t_path, "rb") as f:
                    t = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                fail(f"{t_path}: {e}")
            if not isinstance(t.get("id"), str) or not isinstance(t.get("title"), str):
                fail(f"{t_path}: a tutorial needs `id` and `title`")
            tutorials.append({
                "id": t["id"],
                "title": t["title"],
                # The AU's description: what the learner will be able to do.
                "summary": " ".join(o for o in t.get("objectives", []) if isinstance(o, str)) or t["title"],
                "quiz": bool(t.get("quiz")),
            })
        if not tutorials:
            fail(f"series `{s['id']}` has no tutorials in content/tutorials/{s['id']}/")
        out.append({"id": s["id"], "title": s["title"], "summary": s.get("summary", ""), "tutorials": tutorials})
    return out


def site_files(dist: str) -> list:
    out = []
    for dirpath, dirnames, filenames in os.walk(dist):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            out.append((os.path.relpath(full, dist).replace(os.sep, "/"), full))
    return out


def items(series: dict, scorm12: bool) -> str:
    lines = []
    for i, t in enumerate(series["tutorials"], 1):
        params = quoteattr(f"?series={series['id']}&tutorial={t['id']}")
        vis = ' isvisible="true"' if scorm12 else ""
        if scorm12:
            mastery = f"        <adlcp:masteryscore>{MASTERY_SCORE}</adlcp:masteryscore>\n"
        else:
            mastery = (
                "        <imsss:sequencing>\n"
                "          <imsss:objectives>\n"
                f'            <imsss:primaryObjective objectiveID="item-{i}-quiz" satisfiedByMeasure="true">\n'
                f"              <imsss:minNormalizedMeasure>{MASTERY_SCORE / 100:g}</imsss:minNormalizedMeasure>\n"
                "            </imsss:primaryObjective>\n"
                "          </imsss:objectives>\n"
                "        </imsss:sequencing>\n"
            )
        lines.append(
            f'      <item identifier="item-{i}" identifierref="sco"{vis} parameters={params}>\n'
            f"        <title>{escape(t['title'])}</title>\n"
            f"{mastery}"
            f"      </item>"
        )
    return "\n".join(lines)


def schema_files(scorm12: bool) -> list:
    """The schema files for a package's root: (name, path), sorted."""
    folder = os.path.join(SCHEMAS, "scorm12" if scorm12 else "scorm2004")
    if not os.path.isdir(folder):
        fail(f"{folder} not found: the schema files the manifests name are missing")
    return [(name, os.path.join(folder, name)) for name in sorted(os.listdir(folder))]


def manifest(series: dict, files: list, scorm12: bool) -> str:
    file_lines = "\n".join(f"      <file href={quoteattr(rel)}/>" for rel, _ in files)
    ident = quoteattr(f"sdl-{series['id']}-{'scorm12' if scorm12 else 'scorm2004'}")
    title = escape(series["title"])
    if scorm12:
        head = (
            f'<manifest identifier={ident} version="1.0"\n'
            '  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"\n'
            '  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"\n'
            '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
            '  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd '
            'http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd '
            'http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">\n'
            "  <metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>1.2</schemaversion>\n  </metadata>\n"
        )
        scormtype = 'adlcp:scormtype="sco"'
    else:
        head = (
            f'<manifest identifier={ident} version="1"\n'
            '  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"\n'
            '  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"\n'
            '  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"\n'
            '  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"\n'
            '  xmlns:imsss="http://www.imsglobal.org/xsd/imsss"\n'
            '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
            '  xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd '
            'http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd '
            'http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd '
            'http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd '
            'http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">\n'
            "  <metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>2004 4th Edition</schemaversion>\n  </metadata>\n"
        )
        scormtype = 'adlcp:scormType="sco"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- Systems Design Lab: one tutorial series as a SCORM package (scripts/scorm.py). -->\n"
        + head
        + '  <organizations default="org">\n'
        + '    <organization identifier="org">\n'
        + f"      <title>{title}</title>\n"
        + items(series, scorm12)
        + "\n    </organization>\n  </organizations>\n"
        + "  <resources>\n"
        + f'    <resource identifier="sco" type="webcontent" {scormtype} href="{SCO_HREF}">\n'
        + file_lines
        + "\n    </resource>\n  </resources>\n</manifest>\n"
    )


# cmi5: the identifiers are IRIs this project owns the naming of (URNs), stable per series
# and tutorial so a re-imported package keeps the learners' records.
CMI5_NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
CMI5_ID = "urn:systems-design-lab:cmi5"
CSP_CONNECT = "connect-src 'self'"


def cmi5_xml(series: dict) -> str:
    def text(tag: str, value: str, indent: str) -> str:
        return f'{indent}<{tag}><langstring lang="en-US">{escape(value)}</langstring></{tag}>\n'

    aus = []
    for t in series["tutorials"]:
        judged = (
            f'moveOn="CompletedAndPassed" masteryScore="{MASTERY_SCORE / 100:g}"'
            if t["quiz"]
            else 'moveOn="Completed"'
        )
        url = escape(f"{SCO_HREF}?series={series['id']}&tutorial={t['id']}")
        au_id = quoteattr(f"{CMI5_ID}:{series['id']}:{t['id']}")
        aus.append(
            f'  <au id={au_id} {judged} launchMethod="AnyWindow">\n'
            + text("title", t["title"], "    ")
            + text("description", t["summary"], "    ")
            + f"    <url>{url}</url>\n"
            + "  </au>\n"
        )
    course_id = quoteattr(f"{CMI5_ID}:{series['id']}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- Systems Design Lab: one tutorial series as a cmi5 course (scripts/scorm.py). -->\n"
        f'<courseStructure xmlns="{CMI5_NS}">\n'
        f"  <course id={course_id}>\n"
        + text("title", series["title"], "    ")
        + text("description", series["summary"] or series["title"], "    ")
        + "  </course>\n"
        + "".join(aus)
        + "</courseStructure>\n"
    )


def cmi5_index(data: bytes) -> bytes:
    """The site's index.html with a CSP that lets the page reach an LRS on another origin."""
    html = data.decode()
    if html.count(CSP_CONNECT + ";") != 1:
        fail(f"index.html: its CSP has no single `{CSP_CONNECT};` to open to the LRS")
    return html.replace(CSP_CONNECT + ";", CSP_CONNECT + " https:;").encode()


def write_cmi5(path: str, series: dict, files: list) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)

        add("cmi5.xml", cmi5_xml(series).encode())
        for rel, full in files:
            if rel == "cmi5.xml":
                fail("the site has a file named cmi5.xml, like the course structure at the package root")
            with open(full, "rb") as f:
                data = f.read()
            add(rel, cmi5_index(data) if rel == SCO_HREF else data)


def write_package(path: str, series: dict, files: list, scorm12: bool) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)

        add("imsmanifest.xml", manifest(series, files, scorm12).encode())
        site = {rel for rel, _ in files}
        for name, full in schema_files(scorm12):
            if name in site:
                fail(f"the site has a file named {name}, like a schema file the package needs at its root")
            with open(full, "rb") as f:
                add(name, f.read())
        for rel, full in files:
            with open(full, "rb") as f:
                add(rel, f.read())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", default="dist")
    ap.add_argument("--content", default="content")
    ap.add_argument("--out", default="scorm")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.dist, SCO_HREF)):
        fail(f"{args.dist}/{SCO_HREF} not found: run make build first")
    files = site_files(args.dist)
    all_series = load_series(args.content)
    os.makedirs(args.out, exist_ok=True)
    for s in all_series:
        for scorm12, tag in ((True, "scorm12"), (False, "scorm2004")):
            path = os.path.join(args.out, f"{s['id']}-{tag}.zip")
            write_package(path, s, files, scorm12)
            print(f"scorm: {path} ({len(s['tutorials'])} tutorials, {os.path.getsize(path)} bytes)")
        path = os.path.join(args.out, f"{s['id']}-cmi5.zip")
        write_cmi5(path, s, files)
        print(f"scorm: {path} ({len(s['tutorials'])} AUs, {os.path.getsize(path)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
