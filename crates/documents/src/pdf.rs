//! A one-page PDF written from scratch: text in two embedded fonts (subset), rules, a QR code,
//! files embedded in it (an officer's own document, as an associated file: PDF 2.0 / PDF/A-3
//! `/AF`, listed in `/EmbeddedFiles`), and — when an agency signs — an invisible signature
//! field whose `/Contents` is filled in last, over every byte of the file but itself (PAdES:
//! `/ETSI.CAdES.detached`), embedded files included.
//!
//! Writing the file ourselves keeps every offset known, so the signature's `/ByteRange` is
//! exact without parsing the file back.

use crate::font::{Font, BOLD, REGULAR};
use crate::sign::Signer;
use crate::Error;
use chrono::{DateTime, Utc};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::Write;

/// A4, in points.
pub const WIDTH: f32 = 595.28;
pub const HEIGHT: f32 = 841.89;

/// Room for the signature (CMS, hex-encoded): a certificate, three signed attributes and an
/// ECDSA signature take about 1.2 KB; this leaves space for a longer chain.
const SIGNATURE_BYTES: usize = 8192;
const BYTE_RANGE_PLACEHOLDER: &str = "[0 ********** ********** **********]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Grey for the second language and small print; black for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Black,
    Grey,
}

/// What the file says about itself (its Info dictionary), and the signature's texts.
#[derive(Debug, Clone)]
pub struct Info {
    pub title: String,
    pub author: String,
    /// The signature's reason, e.g. "Result document YD-7K4M-X9QA".
    pub reason: String,
    pub location: String,
    pub created: DateTime<Utc>,
}

/// A file carried inside the document, covered by its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file's name as readers list it.
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// What it is, for readers' attachment panes.
    pub description: String,
}

/// One A4 page being drawn: coordinates in points from the bottom left.
pub struct Page {
    ops: String,
    fonts: [Font; 2],
    attachments: Vec<Attachment>,
}

impl Default for Page {
    fn default() -> Self {
        Self::new()
    }
}

impl Page {
    pub fn new() -> Page {
        Page {
            ops: String::new(),
            fonts: [
                Font::new(REGULAR, "DejaVuSans"),
                Font::new(BOLD, "DejaVuSans-Bold"),
            ],
            attachments: Vec::new(),
        }
    }

    /// Carries `file` inside the document.
    pub fn attach(&mut self, file: Attachment) {
        self.attachments.push(file);
    }

    fn font(&self, w: Weight) -> &Font {
        &self.fonts[w as usize]
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32, w: Weight) -> f32 {
        self.font(w).width(text, size)
    }

    /// `text` broken into lines no wider than `width` (at spaces; a word longer than a line is
    /// broken where it must be).
    pub fn wrap(&self, text: &str, size: f32, w: Weight, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut current = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if current.is_empty() {
                    word.to_owned()
                } else {
                    format!("{current} {word}")
                };
                if self.width(&candidate, size, w) <= width {
                    current = candidate;
                    continue;
                }
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                // A word wider than the line is cut into pieces that fit.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size, w) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                current = piece;
            }
            lines.push(current);
        }
        lines
    }

    /// Writes one line of text with its baseline at (`x`, `y`).
    pub fn text(&mut self, x: f32, y: f32, size: f32, w: Weight, ink: Ink, text: &str) {
        if text.is_empty() {
            return;
        }
        let hex = self.fonts[w as usize].encode(text);
        let (font, grey) = (w as usize + 1, if ink == Ink::Grey { 0.35 } else { 0.0 });
        self.ops.push_str(&format!(
            "BT {grey} g /F{font} {size:.1} Tf {x:.2} {y:.2} Td <{hex}> Tj ET\n"
        ));
    }

    /// A horizontal rule from `x1` to `x2` at `y`.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, ink: Ink) {
        let grey = if ink == Ink::Grey { 0.6 } else { 0.0 };
        self.ops.push_str(&format!(
            "{grey} G {thickness:.2} w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n"
        ));
    }

    /// A QR code of `data` (error correction M) as a square of `side` points with its bottom
    /// left at (`x`, `y`), quiet zone included.
    pub fn qr(&mut self, x: f32, y: f32, side: f32, data: &str) -> Result<(), Error> {
        let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
            .map_err(|e| Error::Pdf(format!("QR code: {e}")))?;
        let n = code.width();
        let quiet = 4;
        let module = side / (n + 2 * quiet) as f32;
        let colors = code.to_colors();
        self.ops.push_str("0 g\n");
        for row in 0..n {
            for col in 0..n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let mx = x + (col + quiet) as f32 * module;
                    let my = y + side - (row + quiet + 1) as f32 * module;
                    // A hair wider than a module, so that neighbours meet without seams.
                    self.ops.push_str(&format!(
                        "{mx:.3} {my:.3} {:.3} {:.3} re\n",
                        module + 0.01,
                        module + 0.01
                    ));
                }
            }
        }
        self.ops.push_str("f\n");
        Ok(())
    }

    /// The finished file, signed by `signer` when given.
    pub fn finish(self, info: &Info, signer: Option<&Signer>) -> Result<Vec<u8>, Error> {
        let mut out = Out::new();
        // Numbers: 1 catalog, 2 pages, 3 page, 4 contents, 5 info, then five per font used,
        // then two per attached file (its file specification and its stream), then the
        // signature's field and value.
        let used: Vec<usize> = (0..2).filter(|i| self.fonts[*i].used()).collect();
        let font_base = |k: usize| 6 + 5 * k;
        let mut attached: Vec<&Attachment> = self.attachments.iter().collect();
        // A name tree's keys are sorted.
        attached.sort_by(|a, b| a.name.cmp(&b.name));
        let file_base = |k: usize| font_base(used.len()) + 2 * k;
        let next = file_base(attached.len());
        let (field, value) = (next, next + 1);
        let size = if signer.is_some() { next + 2 } else { next };

        let sig_form = if signer.is_some() {
            format!(" /AcroForm << /Fields [{field} 0 R] /SigFlags 3 >>")
        } else {
            String::new()
        };
        let files = if attached.is_empty() {
            String::new()
        } else {
            let names: String = attached
                .iter()
                .enumerate()
                .map(|(k, a)| format!("{} {} 0 R ", text_string(&a.name), file_base(k)))
                .collect();
            let refs: String = (0..attached.len())
                .map(|k| format!("{} 0 R ", file_base(k)))
                .collect();
            format!(
                " /Names << /EmbeddedFiles << /Names [{names}] >> >> /AF [{refs}] /PageMode /UseAttachments"
            )
        };
        out.object(
            1,
            format!("<< /Type /Catalog /Pages 2 0 R{sig_form}{files} >>").as_bytes(),
        );
        out.object(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        let fonts: String = used
            .iter()
            .enumerate()
            .map(|(k, i)| format!("/F{} {} 0 R ", i + 1, font_base(k)))
            .collect();
        let annots = if signer.is_some() {
            format!(" /Annots [{field} 0 R]")
        } else {
            String::new()
        };
        out.object(
            3,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] /Resources << /Font << {fonts}>> >> /Contents 4 0 R{annots} >>"
            )
            .as_bytes(),
        );
        out.stream(4, "", self.ops.as_bytes());
        out.object(
            5,
            format!(
                "<< /Title {} /Author {} /Producer (Yagona) /CreationDate {} >>",
                text_string(&info.title),
                text_string(&info.author),
                pdf_date(&info.created)
            )
            .as_bytes(),
        );
        for (k, i) in used.iter().enumerate() {
            let font = &self.fonts[*i];
            let n = font_base(k);
            // A subset's name starts with six capitals of its own (ISO 32000, 9.6.4).
            let tag: String = crate::sha256(font.to_unicode().as_bytes())[..6]
                .iter()
                .map(|b| (b'A' + b % 26) as char)
                .collect();
            let name = format!("{tag}+{}", font.name);
            out.object(
                n,
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>",
                    n + 1,
                    n + 3
                )
                .as_bytes(),
            );
            out.object(
                n + 1,
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R /W {} /CIDToGIDMap /Identity >>",
                    n + 2,
                    font.widths()
                )
                .as_bytes(),
            );
            out.object(
                n + 2,
                format!(
                    "<< /Type /FontDescriptor /FontName /{name} /Flags 32 {} /FontFile2 {} 0 R >>",
                    font.metrics(),
                    n + 4
                )
                .as_bytes(),
            );
            out.stream(n + 3, "", font.to_unicode().as_bytes());
            let subset = font.subset().map_err(Error::Pdf)?;
            out.stream(n + 4, &format!("/Length1 {}", subset.len()), &subset);
        }
        for (k, a) in attached.iter().enumerate() {
            let n = file_base(k);
            let ascii: String = a
                .name
                .chars()
                .map(|c| if (' '..='~').contains(&c) { c } else { '_' })
                .collect();
            out.object(
                n,
                format!(
                    "<< /Type /Filespec /F {} /UF {} /Desc {} /EF << /F {} 0 R /UF {} 0 R >> /AFRelationship /Supplement >>",
                    text_string(&ascii),
                    text_string(&a.name),
                    text_string(&a.description),
                    n + 1,
                    n + 1
                )
                .as_bytes(),
            );
            out.stream(
                n + 1,
                &format!(
                    "/Type /EmbeddedFile /Subtype /{} /Params << /Size {} /ModDate {} >>",
                    name_object(&a.media_type),
                    a.bytes.len(),
                    pdf_date(&info.created)
                ),
                &a.bytes,
            );
        }
        let mut placeholders = None;
        if let Some(signer) = signer {
            out.object(
                field,
                format!(
                    "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V {value} 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>"
                )
                .as_bytes(),
            );
            out.begin(value);
            out.write(
                b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ",
            );
            let range_at = out.buf.len();
            out.write(BYTE_RANGE_PLACEHOLDER.as_bytes());
            out.write(b" /Contents ");
            let contents_at = out.buf.len();
            out.write(b"<");
            out.write(&vec![b'0'; SIGNATURE_BYTES * 2]);
            out.write(b">");
            let contents_end = out.buf.len();
            out.write(
                format!(
                    " /M {} /Name {} /Reason {} /Location {} >>",
                    pdf_date(&info.created),
                    text_string(signer.name()),
                    text_string(&info.reason),
                    text_string(&info.location)
                )
                .as_bytes(),
            );
            out.end();
            placeholders = Some((range_at, contents_at, contents_end));
        }
        let id = crate::sha256(format!("{}|{}", info.title, info.reason).as_bytes());
        let id_hex: String = id[..16].iter().map(|b| format!("{b:02X}")).collect();
        let mut bytes = out.finish(
            size,
            &format!("/Root 1 0 R /Info 5 0 R /ID [<{id_hex}> <{id_hex}>]"),
        );
        if let (Some(signer), Some((range_at, contents_at, contents_end))) = (signer, placeholders)
        {
            let range = format!(
                "[0 {contents_at} {contents_end} {}",
                bytes.len() - contents_end
            );
            let padded = format!("{range:<width$}]", width = BYTE_RANGE_PLACEHOLDER.len() - 1);
            bytes[range_at..range_at + padded.len()].copy_from_slice(padded.as_bytes());
            let mut signed = bytes[..contents_at].to_vec();
            signed.extend_from_slice(&bytes[contents_end..]);
            let cms = signer.sign(&crate::sha256(&signed))?;
            if cms.len() > SIGNATURE_BYTES {
                return Err(Error::Pdf(format!(
                    "the signature takes {} bytes, more than the {SIGNATURE_BYTES} reserved",
                    cms.len()
                )));
            }
            let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
            bytes[contents_at + 1..contents_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        }
        Ok(bytes)
    }
}

/// The file as it is written: bytes, and where each object starts.
struct Out {
    buf: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl Out {
    fn new() -> Out {
        let mut buf = b"%PDF-1.7\n%".to_vec();
        // Bytes above 127 in a comment mark the file as binary for tools that guess.
        buf.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3, b'\n']);
        Out {
            buf,
            offsets: Vec::new(),
        }
    }

    fn write(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    fn begin(&mut self, n: usize) {
        self.offsets.push((n, self.buf.len()));
        self.write(format!("{n} 0 obj\n").as_bytes());
    }

    fn end(&mut self) {
        self.write(b"\nendobj\n");
    }

    fn object(&mut self, n: usize, body: &[u8]) {
        self.begin(n);
        self.write(body);
        self.end();
    }

    /// A stream, compressed with Flate.
    fn stream(&mut self, n: usize, extra: &str, data: &[u8]) {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(data).expect("writing to memory");
        let packed = z.finish().expect("writing to memory");
        self.begin(n);
        self.write(
            format!(
                "<< /Length {} /Filter /FlateDecode {extra} >>\nstream\n",
                packed.len()
            )
            .as_bytes(),
        );
        self.write(&packed);
        self.write(b"\nendstream");
        self.end();
    }

    fn finish(mut self, size: usize, trailer: &str) -> Vec<u8> {
        self.offsets.sort();
        let xref = self.buf.len();
        self.write(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
        for n in 1..size {
            let offset = self
                .offsets
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, o)| *o)
                .expect("every object is written");
            self.write(format!("{offset:010} 00000 n \n").as_bytes());
        }
        self.write(
            format!("trailer\n<< /Size {size} {trailer} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        self.buf
    }
}

/// A text string: plain when it is printable ASCII, else UTF-16BE with its byte order mark.
fn text_string(s: &str) -> String {
    if s.chars().all(|c| (' '..='~').contains(&c)) {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        format!("({escaped})")
    } else {
        let hex: String = s.encode_utf16().map(|u| format!("{u:04X}")).collect();
        format!("<FEFF{hex}>")
    }
}

/// A name object's characters: regular ones as they are, others as `#xx` (`application#2Fpdf`).
fn name_object(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.+".contains(&b) {
                (b as char).to_string()
            } else {
                format!("#{b:02X}")
            }
        })
        .collect()
}

/// A date as PDF writes it, in Tashkent time: `(D:20261127140500+05'00')`.
fn pdf_date(t: &DateTime<Utc>) -> String {
    let local = *t + chrono::Duration::hours(5);
    format!("(D:{}+05'00')", local.format("%Y%m%d%H%M%S"))
}
