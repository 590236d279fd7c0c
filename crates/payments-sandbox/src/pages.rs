//! The sandbox's two pages: a checkout (who is paid, for what, how much; Pay and Cancel) and a
//! message. Plain HTML that works without JavaScript, with a language for every text.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Environment};
use std::sync::OnceLock;

const LAYOUT: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #0b0c0c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: bold; }
button { font-size: 1.1rem; padding: .5rem 1.25rem; margin: 0 .5rem .5rem 0; }
button:focus, a:focus { outline: 3px solid #fd0; }
.pay { background: #00703c; color: #fff; border: 0; }
.sandbox { background: #fff2cc; padding: .5rem; }
</style>
</head>
<body>
<main>
{% block main %}{% endblock %}
</main>
</body>
</html>"#;

const CHECKOUT: &str = r#"{% extends "layout.html" %}
{% block title %}{{ provider }}: {{ invoice }} — {{ amount }}{% endblock %}
{% block main %}
<p class="sandbox">Sandbox: no real money moves. <span lang="uz">Sinov muhiti: haqiqiy pul oʻtkazilmaydi.</span></p>
<h1>Pay with {{ provider }} <span lang="uz">({{ provider }} orqali toʻlash)</span></h1>
<dl>
<dt>Merchant <span lang="uz">(Qabul qiluvchi)</span></dt><dd>{{ merchant }}</dd>
<dt>Invoice <span lang="uz">(Hisob-faktura)</span></dt><dd>{{ invoice }}</dd>
<dt>Amount <span lang="uz">(Summa)</span></dt><dd>{{ amount }}</dd>
</dl>
<form method="post" action="{{ action }}">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<button type="submit" name="choice" value="pay" class="pay">Pay <span lang="uz">Toʻlash</span></button>
<button type="submit" name="choice" value="cancel">Cancel <span lang="uz">Bekor qilish</span></button>
</form>
{% endblock %}"#;

const MESSAGE: &str = r#"{% extends "layout.html" %}
{% block title %}{{ title }}{% endblock %}
{% block main %}
<h1>{{ title }}</h1>
<p>{{ text }}</p>
{% if back %}<p><a href="{{ back }}">Return to the merchant <span lang="uz">(Qabul qiluvchiga qaytish)</span></a></p>{% endif %}
{% endblock %}"#;

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("layout.html", LAYOUT),
            ("checkout.html", CHECKOUT),
            ("message.html", MESSAGE),
        ] {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "sandbox template");
            }
        }
        env
    })
}

fn render(status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
    match templates().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox page: {e}"),
        )
            .into_response(),
    }
}

pub(crate) struct Checkout<'a> {
    pub provider: &'a str,
    pub merchant: &'a str,
    pub invoice: &'a str,
    pub amount: &'a str,
    pub action: &'a str,
    pub hidden: Vec<(&'static str, String)>,
}

pub(crate) fn checkout(c: &Checkout<'_>) -> Response {
    render(
        StatusCode::OK,
        "checkout.html",
        context! {
            provider => c.provider,
            merchant => c.merchant,
            invoice => c.invoice,
            amount => c.amount,
            action => c.action,
            hidden => c.hidden,
        },
    )
}

pub(crate) fn message(status: StatusCode, title: &str, text: &str, back: Option<&str>) -> Response {
    render(
        status,
        "message.html",
        context! { title => title, text => text, back => back },
    )
}

/// `82 400.00 soʻm` from tiyin.
pub(crate) fn som(tiyin: i64) -> String {
    let whole = (tiyin / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02} soʻm", tiyin % 100)
}
