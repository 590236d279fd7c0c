//! A namespace-resolved XML tree with line numbers: what the BPMN reader walks.
//!
//! Element and attribute names are resolved to (namespace URI, local name), so a model reads the
//! same whatever prefixes its modeler chose (`bpmn:`, `bpmn2:`, `semantic:` or a default namespace).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

#[derive(Debug, Clone)]
pub struct Attr {
    pub ns: String,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
    /// Text and CDATA directly inside the element, unescaped.
    pub text: String,
    /// 1-based line of the element's start tag.
    pub line: usize,
}

impl Node {
    /// An attribute without a namespace (BPMN's own attributes are unqualified).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// An attribute in a given namespace (extension attributes such as `zeebe:…`).
    pub fn attr_ns(&self, ns: &str, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn children_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.ns == ns)
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every descendant (depth first), for extension elements nested in containers.
    pub fn descendants(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = self.children.iter().rev().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(n.children.iter().rev());
        }
        out
    }
}

/// Why a document could not be read as XML, with the line where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct XmlError {
    pub line: usize,
    pub message: String,
}

fn line_of(line_starts: &[usize], offset: usize) -> usize {
    match line_starts.binary_search(&offset) {
        Ok(i) => i + 1,
        Err(i) => i,
    }
}

fn namespace(r: &ResolveResult) -> String {
    match r {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        _ => String::new(),
    }
}

fn start_node(
    reader: &NsReader<&[u8]>,
    e: &quick_xml::events::BytesStart<'_>,
    ns: String,
    line: usize,
) -> Result<Node, String> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|x| x.to_string())?;
        let key = a.key;
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let (ans, local) = reader.resolve_attribute(key);
        let value = a
            .decode_and_unescape_value(reader.decoder())
            .map_err(|x| x.to_string())?
            .into_owned();
        attrs.push(Attr {
            ns: namespace(&ans),
            name: String::from_utf8_lossy(local.as_ref()).into_owned(),
            value,
        });
    }
    Ok(Node {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    })
}

/// Parses a whole document into its root element.
pub fn parse(source: &str) -> Result<Node, XmlError> {
    let mut line_starts = vec![0usize];
    line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
    let line_at = |offset: u64| line_of(&line_starts, (offset as usize).min(source.len()));
    let mut reader = NsReader::from_str(source);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        // With text kept, the reader stands right at '<' before a tag is read.
        let at = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (namespace(&resolved), event),
            Err(e) => {
                let message = e.to_string();
                return Err(XmlError {
                    line: line_at(reader.buffer_position()),
                    message,
                });
            }
        };
        let fail = |message: String| XmlError {
            line: line_at(at),
            message,
        };
        match event {
            Event::Start(e) => {
                let node = start_node(&reader, &e, ns, line_at(at + 1)).map_err(fail)?;
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = start_node(&reader, &e, ns, line_at(at + 1)).map_err(fail)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(fail("more than one root element".into())),
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| fail("an end tag without a start".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(fail("more than one root element".into())),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let text = t.unescape().map_err(|e| fail(e.to_string()))?;
                    top.text.push_str(&text);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            line: open.line,
            message: format!("element <{}> is never closed", open.name),
        });
    }
    root.ok_or(XmlError {
        line: 1,
        message: "the document has no root element".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_whatever_the_prefix_and_lines_are_counted() {
        let doc = "<?xml version=\"1.0\"?>\n<a:root xmlns:a=\"urn:x\" xmlns:b=\"urn:y\">\n  <a:child b:k=\"v&amp;w\" id=\"1\"/>\n  <child xmlns=\"urn:x\">text</child>\n</a:root>";
        let root = parse(doc).unwrap();
        assert!(root.is("urn:x", "root"));
        assert_eq!(root.line, 2);
        assert_eq!(root.children[0].attr_ns("urn:y", "k"), Some("v&w"));
        assert_eq!(root.children[0].attr("id"), Some("1"));
        assert_eq!(root.children[0].line, 3);
        assert!(root.children[1].is("urn:x", "child"));
        assert_eq!(root.children[1].text, "text");
    }

    #[test]
    fn malformed_documents_are_errors_with_a_line() {
        let e = parse("<a>\n<b>\n</a>").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        assert!(parse("").is_err());
        assert!(parse("<a>\n<b/>").is_err());
    }
}
