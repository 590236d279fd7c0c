//! The one page of a result document: the agency, the title, the document's number and date,
//! its rows (a label and a value each), and at the foot the QR code that leads to the
//! verification page. Every text comes in the reader's language with Uzbek (Latin), the state
//! language, beside it in grey where the reader's is another.

use crate::pdf::{Attachment, Info, Ink, Page, Weight, HEIGHT, WIDTH};
use crate::sign::Signer;
use crate::Error;

/// A text in the reader's language, and in Uzbek (Latin) when that is another text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bilingual {
    pub main: String,
    pub uz: Option<String>,
}

impl Bilingual {
    /// `main`, with `uz` beside it unless it says the same.
    pub fn new(main: impl Into<String>, uz: impl Into<String>) -> Bilingual {
        let (main, uz) = (main.into(), uz.into());
        let uz = (uz != main && !uz.is_empty()).then_some(uz);
        Bilingual { main, uz }
    }

    /// A text that reads the same in every language (a name, a number).
    pub fn same(text: impl Into<String>) -> Bilingual {
        Bilingual {
            main: text.into(),
            uz: None,
        }
    }
}

/// A row of the document: what it states, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: Bilingual,
    pub value: Bilingual,
}

/// Everything the page prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The line above the agency (the state, the platform).
    pub header: Bilingual,
    pub agency: Bilingual,
    pub title: Bilingual,
    /// "Document number YD-…" and "Issued … (Tashkent time)".
    pub number: Bilingual,
    pub issued: Bilingual,
    pub rows: Vec<Row>,
    /// How to check the document, beside the QR code.
    pub verify: Bilingual,
    /// What the QR code holds: the verification page's address.
    pub verify_url: String,
    /// Small print at the foot (who signed, with which certificate).
    pub footer: Vec<String>,
    /// Files the document carries (an officer's own document), covered by its signature.
    pub attachments: Vec<Attachment>,
}

const LEFT: f32 = 50.0;
const RIGHT: f32 = WIDTH - 50.0;
const LABEL_WIDTH: f32 = 190.0;
const VALUE_X: f32 = LEFT + LABEL_WIDTH + 15.0;
/// Where the rows must stop, above the QR code's block.
const FOOT_TOP: f32 = 185.0;

struct Cursor<'a> {
    page: &'a mut Page,
    y: f32,
}

impl Cursor<'_> {
    /// Lines of `text` from `x`, at most `width` wide, moving down; returns the lines' count.
    fn lines(&mut self, x: f32, width: f32, size: f32, w: Weight, ink: Ink, text: &str) {
        for line in self.page.wrap(text, size, w, width) {
            self.y -= size * 1.25;
            self.page.text(x, self.y, size, w, ink, &line);
        }
    }

    /// `text` centred, wrapped to the page's width.
    fn centred(&mut self, size: f32, w: Weight, ink: Ink, text: &str) {
        for line in self.page.wrap(text, size, w, RIGHT - LEFT) {
            self.y -= size * 1.25;
            let x = (WIDTH - self.page.width(&line, size, w)) / 2.0;
            self.page.text(x, self.y, size, w, ink, &line);
        }
    }

    fn bilingual(&mut self, x: f32, width: f32, size: f32, w: Weight, text: &Bilingual) {
        self.lines(x, width, size, w, Ink::Black, &text.main);
        if let Some(uz) = &text.uz {
            self.lines(x, width, size * 0.8, Weight::Regular, Ink::Grey, uz);
        }
    }
}

/// The page as a PDF, signed by `signer` when given.
pub fn render(sheet: &Sheet, info: &Info, signer: Option<&Signer>) -> Result<Vec<u8>, Error> {
    let mut page = Page::new();
    let mut c = Cursor {
        page: &mut page,
        y: HEIGHT - 45.0,
    };
    c.bilingual(LEFT, RIGHT - LEFT, 8.5, Weight::Regular, &sheet.header);
    c.y -= 4.0;
    c.bilingual(LEFT, RIGHT - LEFT, 12.0, Weight::Bold, &sheet.agency);
    c.y -= 8.0;
    c.page.rule(LEFT, RIGHT, c.y, 1.0, Ink::Black);
    c.y -= 18.0;
    c.centred(18.0, Weight::Bold, Ink::Black, &sheet.title.main);
    if let Some(uz) = &sheet.title.uz {
        c.centred(12.0, Weight::Regular, Ink::Grey, uz);
    }
    c.y -= 8.0;
    c.centred(10.5, Weight::Bold, Ink::Black, &sheet.number.main);
    if let Some(uz) = &sheet.number.uz {
        c.centred(8.5, Weight::Regular, Ink::Grey, uz);
    }
    c.centred(10.0, Weight::Regular, Ink::Black, &sheet.issued.main);
    if let Some(uz) = &sheet.issued.uz {
        c.centred(8.5, Weight::Regular, Ink::Grey, uz);
    }
    c.y -= 14.0;
    c.page.rule(LEFT, RIGHT, c.y, 0.5, Ink::Grey);
    for row in &sheet.rows {
        if c.y < FOOT_TOP + 30.0 {
            return Err(Error::Pdf(
                "the rows do not fit on one page: shorten the template".into(),
            ));
        }
        let top = c.y - 3.0;
        c.y = top;
        c.bilingual(LEFT, LABEL_WIDTH, 9.5, Weight::Regular, &row.label);
        let label_bottom = c.y;
        c.y = top;
        c.bilingual(VALUE_X, RIGHT - VALUE_X, 11.0, Weight::Bold, &row.value);
        c.y = c.y.min(label_bottom) - 7.0;
        c.page.rule(LEFT, RIGHT, c.y, 0.3, Ink::Grey);
    }
    // The foot: the QR code and, beside it, how to check the document.
    let qr_side = 110.0;
    let qr_y = 62.0;
    c.page.qr(LEFT - 8.0, qr_y, qr_side, &sheet.verify_url)?;
    let text_x = LEFT + qr_side + 4.0;
    c.y = qr_y + qr_side - 6.0;
    c.bilingual(text_x, RIGHT - text_x, 9.5, Weight::Regular, &sheet.verify);
    c.y -= 2.0;
    c.lines(
        text_x,
        RIGHT - text_x,
        10.0,
        Weight::Bold,
        Ink::Black,
        &sheet.verify_url,
    );
    c.y = qr_y - 2.0;
    for line in &sheet.footer {
        c.lines(LEFT, RIGHT - LEFT, 7.0, Weight::Regular, Ink::Grey, line);
    }
    for file in &sheet.attachments {
        page.attach(file.clone());
    }
    page.finish(info, signer)
}
