//! The result document the platform issues when an officer approves without attaching one: a
//! one-page PDF in Uzbek (Latin) and English with the service, the applicant, the decision and a
//! SHA-256 fingerprint of the decision record, so that a printed copy can be checked.

use crate::model::Application;
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfLayerReference};
use std::io::Cursor;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");

/// What the document names, in the languages it is printed in.
#[derive(Debug, Clone)]
pub struct ResultContext {
    pub service_name_uz: String,
    pub service_name_en: String,
    pub agency_name_uz: String,
    pub agency_name_en: String,
    pub result_uz: String,
    pub result_en: String,
}

struct Writer<'a> {
    layer: PdfLayerReference,
    font: &'a IndirectFontRef,
    bold: &'a IndirectFontRef,
    y: f32,
}

impl Writer<'_> {
    fn line(&mut self, text: &str, size: f32, bold: bool) {
        // Wrap at a width that fits A4 with 20 mm margins for this font size.
        let per_line = ((170.0 / (size * 0.19)) as usize).max(20);
        let mut current = String::new();
        let mut lines = Vec::new();
        for word in text.split_whitespace() {
            if current.chars().count() + word.chars().count() + 1 > per_line && !current.is_empty()
            {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
        for l in lines {
            let font = if bold { self.bold } else { self.font };
            self.layer.use_text(l, size, Mm(20.0), Mm(self.y), font);
            self.y -= size * 0.5;
        }
        self.y -= 2.0;
    }
}

pub fn generate(
    ctx: &ResultContext,
    app: &Application,
    officer: &str,
    decided_at: &str,
) -> Result<Vec<u8>, String> {
    let (doc, page, layer) = PdfDocument::new(
        format!("{} {}", ctx.service_name_en, app.reference),
        Mm(210.0),
        Mm(297.0),
        "main",
    );
    let font = doc
        .add_external_font(Cursor::new(FONT))
        .map_err(|e| e.to_string())?;
    let bold = doc
        .add_external_font(Cursor::new(FONT_BOLD))
        .map_err(|e| e.to_string())?;
    let mut w = Writer {
        layer: doc.get_page(page).get_layer(layer),
        font: &font,
        bold: &bold,
        y: 272.0,
    };
    let fingerprint = yagona_core::sha256_hex(
        format!(
            "{}|{}|{}|{}",
            app.reference, app.applicant_pinfl, decided_at, officer
        )
        .as_bytes(),
    )[..32]
        .to_owned();
    w.line("Yagona — davlat xizmatlari / public services", 10.0, false);
    w.line(&ctx.agency_name_uz, 12.0, true);
    w.line(&ctx.agency_name_en, 10.0, false);
    w.y -= 6.0;
    w.line(&ctx.result_uz, 16.0, true);
    w.line(&ctx.result_en, 12.0, false);
    w.y -= 4.0;
    w.line(
        &format!(
            "Xizmat / Service: {} / {}",
            ctx.service_name_uz, ctx.service_name_en
        ),
        11.0,
        false,
    );
    w.line(
        &format!("Ariza raqami / Application: {}", app.reference),
        11.0,
        false,
    );
    w.line(
        &format!(
            "Arizachi / Applicant: {} (JShShIR / PINFL {})",
            app.applicant_name, app.applicant_pinfl
        ),
        11.0,
        false,
    );
    w.line(
        &format!("Qaror / Decision: tasdiqlandi / approved, {decided_at}"),
        11.0,
        false,
    );
    w.line(&format!("Masʼul xodim / Officer: {officer}"), 11.0, false);
    w.y -= 8.0;
    w.line(
        &format!("Tekshiruv kodi / Verification code: {fingerprint}"),
        9.0,
        false,
    );
    doc.save_to_bytes().map_err(|e| e.to_string())
}
