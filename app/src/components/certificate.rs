//! A finished series' certificate: offered on the series index when every step of every
//! tutorial in it is checked and each quiz is at 80 % or more, for the name the learner
//! types; printable (the print style shows only the certificate) and downloadable as a
//! page of its own. Its verification code is checked on the instructor's codes page.
//! Eligibility, the score and the code are `sdl_host::certificate`.

use crate::learn::Learn;
use crate::web;
use content::gameday::code::Certificate;
use content::{Series, Tutorial};
use leptos::prelude::*;
use sdl_host::certificate::{certificate, series_result};

/// "Get your certificate" under a series, once its requirement is met.
#[component]
pub fn CertificateOffer(series: &'static Series) -> impl IntoView {
    let learn = Learn::expect();
    let tutorials: Vec<&'static Tutorial> = content::tutorials_in(&series.id).collect();
    let result = Memo::new(move |_| learn.progress.with(|p| series_result(p, &tutorials).ok()));
    let name = RwSignal::new(String::new());
    let made = RwSignal::new(None::<(Certificate, String, String)>);
    let error = RwSignal::new(String::new());
    let id = series.id.as_str();
    let input_id = format!("certificate-name-{id}");
    let make = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked();
        let typed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
        if typed.is_empty() {
            error.set("Type your name as it should be printed.".into());
            return;
        }
        error.set(String::new());
        if let Some(score) = result.get_untracked() {
            let (c, code) = certificate(series, &typed, score, web::epoch_ms() as f64);
            made.set(Some((c, code, typed)));
        }
    };
    move || {
        result.get().map(|_| {
            let input_id = input_id.clone();
            view! {
                <div class="certificate-offer" data-testid=format!("certificate-offer-{id}")>
                    <p><strong>"Series complete."</strong>" You finished every tutorial and passed every quiz."</p>
                    <form class="certificate-form" on:submit=make>
                        <label for=input_id.clone()>"Your name, as it should be printed"</label>
                        <input id=input_id type="text" autocomplete="name" data-testid="certificate-name"
                            aria-describedby=format!("certificate-error-{id}")
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                        <button type="submit" class="primary" data-testid="certificate-get">"Get your certificate"</button>
                    </form>
                    <p class="field-error" id=format!("certificate-error-{id}") role="alert">{move || error.get()}</p>
                    {move || made.get().map(|(c, code, typed)| view! { <CertificateView cert=c code=code name=typed /> })}
                </div>
            }
        })
    }
}

/// "17 March 2026" from `YYYY-MM-DD`.
fn long_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = iso.split('-');
    let (y, m, d) = (parts.next(), parts.next(), parts.next());
    match (
        y,
        m.and_then(|m| m.parse::<usize>().ok()),
        d.and_then(|d| d.parse::<u32>().ok()),
    ) {
        (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) => {
            format!("{d} {} {y}", MONTHS[m - 1])
        }
        _ => iso.to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The certificate as a page of its own, to keep or print later.
fn certificate_html(c: &Certificate, code: &str, name: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Certificate: {title}</title>\n\
<style>body{{font-family:Georgia,serif;max-width:40rem;margin:3rem auto;padding:2rem;border:6px double #222;text-align:center;color:#111}}\
h1{{font-size:1.6rem}}.name{{font-size:2rem;margin:1.5rem 0}}code{{font-size:1.1rem}}</style></head>\n\
<body><p>Systems Design Lab</p><h1>Certificate of completion</h1><p>This certifies that</p>\
<p class=\"name\">{name}</p><p>completed the series</p><h2>{title}</h2>\
<p>with a quiz score of {score} % on {date}.</p>\
<p>Verification code: <code>{code}</code></p>\
<p><small>An instructor checks the code, with this name, on the lab's codes page (?view=gameday&amp;item=codes). \
Its checksum catches typing mistakes and casual edits; it is not a signature.</small></p></body></html>\n",
        title = escape(&c.series.title),
        name = escape(name),
        score = c.score,
        date = long_date(&c.date()),
        code = escape(code),
    )
}

#[component]
fn CertificateView(cert: Certificate, code: String, name: String) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let html = certificate_html(&cert, &code, &name);
    let file = format!("certificate-{}.html", cert.series.id);
    let download = move |_| match web::download_text(&file, &html, "text/html") {
        Ok(()) => status.set(format!("Downloaded {file}.")),
        Err(e) => status.set(e),
    };
    let title_id = format!("certificate-title-{}", cert.series.id);
    let labelled_by = title_id.clone();
    view! {
        <article class="certificate" data-testid="certificate" aria-labelledby=labelled_by>
            <p class="certificate-lab">"Systems Design Lab"</p>
            <h3 id=title_id>"Certificate of completion"</h3>
            <p>"This certifies that"</p>
            <p class="certificate-name" data-testid="certificate-printed-name">{name.clone()}</p>
            <p>"completed the series"</p>
            <p class="certificate-series" data-testid="certificate-series">{cert.series.title.clone()}</p>
            <p data-testid="certificate-score">
                {format!("with a quiz score of {} % on {}.", cert.score, long_date(&cert.date()))}
            </p>
            <p>"Verification code: "<code data-testid="certificate-code">{code.clone()}</code></p>
            <p class="panel-note">
                "An instructor checks the code with this name on the codes page. Its checksum catches typing "
                "mistakes and casual edits; it is not a signature."
            </p>
            <div class="certificate-actions">
                <button type="button" class="primary" data-testid="certificate-print" on:click=move |_| { let _ = window().print(); }>"Print"</button>
                <button type="button" data-testid="certificate-download" on:click=download>"Download"</button>
            </div>
            <p role="status">{move || status.get()}</p>
        </article>
    }
}
