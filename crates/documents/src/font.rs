//! Fonts as a PDF embeds them: each a CID-keyed TrueType font (Type 0, `Identity-H`) holding
//! only the glyphs the page uses, with a `ToUnicode` map so that the text can be searched,
//! copied and read aloud. DejaVu Sans covers Uzbek in both scripts (with `ʻ` and `ʼ`), Russian
//! and English.

use std::collections::BTreeMap;

pub(crate) const REGULAR: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");

/// One of the page's fonts: the glyphs used so far, by character, with their new numbers.
pub(crate) struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// The PostScript name, as `BaseFont`.
    pub name: &'static str,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → the character it shows (for `ToUnicode`).
    chars: BTreeMap<u16, char>,
    units: f32,
}

impl Font {
    pub fn new(data: &'static [u8], name: &'static str) -> Font {
        let face = ttf_parser::Face::parse(data, 0).expect("the built-in font parses");
        let units = face.units_per_em() as f32;
        Font {
            data,
            face,
            name,
            remapper: subsetter::GlyphRemapper::new(),
            chars: BTreeMap::new(),
            units,
        }
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| {
                self.face
                    .glyph_hor_advance(ttf_parser::GlyphId(self.glyph(c)))
                    .unwrap_or(0) as f32
            })
            .sum::<f32>()
            * size
            / self.units
    }

    /// `text` as the content stream writes it: the subset's glyph ids, two bytes each, in hex.
    pub fn encode(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let new = self.remapper.remap(self.glyph(c));
            self.chars.entry(new).or_insert(c);
            out.push_str(&format!("{new:04X}"));
        }
        out
    }

    /// Whether the page used this font at all.
    pub fn used(&self) -> bool {
        !self.chars.is_empty()
    }

    fn scaled(&self, v: i16) -> i64 {
        (v as f32 * 1000.0 / self.units).round() as i64
    }

    /// The subset font file.
    pub fn subset(&self) -> Result<Vec<u8>, String> {
        subsetter::subset(self.data, 0, &self.remapper).map_err(|e| format!("{e:?}"))
    }

    /// `W`: each glyph's advance in thousandths of the size, in the subset's order.
    pub fn widths(&self) -> String {
        let widths: Vec<String> = self
            .remapper
            .remapped_gids()
            .map(|old| {
                let advance = self
                    .face
                    .glyph_hor_advance(ttf_parser::GlyphId(old))
                    .unwrap_or(0);
                ((advance as f32) * 1000.0 / self.units).round().to_string()
            })
            .collect();
        format!("[0 [{}]]", widths.join(" "))
    }

    /// The font descriptor's metrics: `/FontBBox … /Ascent … /Descent … /CapHeight …`.
    pub fn metrics(&self) -> String {
        let b = self.face.global_bounding_box();
        format!(
            "/FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80",
            self.scaled(b.x_min),
            self.scaled(b.y_min),
            self.scaled(b.x_max),
            self.scaled(b.y_max),
            self.scaled(self.face.ascender()),
            self.scaled(self.face.descender()),
            self.scaled(self.face.capital_height().unwrap_or(self.face.ascender())),
        )
    }

    /// The `ToUnicode` CMap: which character each glyph of the subset shows.
    pub fn to_unicode(&self) -> String {
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&u16, &char)> = self.chars.iter().collect();
        for chunk in entries.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (gid, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                s.push_str(&format!("<{gid:04X}> <{hex}>\n"));
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s
    }
}
