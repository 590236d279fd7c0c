//! A namespace-resolved XML tree with line numbers: what the BPMN reader walks.
//!
//! Element and attribute names are resolved to (namespace URI, local name), so a model reads the
//! same whatever prefixes its modeler chose (`bpmn:`, `bpmn2:`, `semantic:` or a default namespace).
//!
//! Reading takes time in proportion to the document whatever it holds: elements may nest only
//! so deep (so that nothing walking the tree recursively can run out of stack), and only so many
//! namespace declarations may be in force at once (each name is resolved against them all).

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// How deeply elements may nest unless the caller says otherwise ([`parse_within`]).
pub const MAX_DEPTH: usize = 100;

/// How many namespace declarations may be in force at once. Modelers declare about ten on the
/// root element; resolving a name looks through all of them.
pub const MAX_NAMESPACES: usize = 128;

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
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants {
            stack: vec![self.children.iter()],
        }
    }
}

/// A tree as deep as the nesting limit allows would still be dropped by recursion as deep, so
/// it is taken apart with a list of its own instead: dropping never depends on the stack.
impl Drop for Node {
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut node) = pending.pop() {
            pending.append(&mut node.children);
        }
    }
}

/// The descendants of a node in document order: see [`Node::descendants`].
pub struct Descendants<'a> {
    stack: Vec<std::slice::Iter<'a, Node>>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Node;

    fn next(&mut self) -> Option<&'a Node> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                Some(n) => {
                    if !n.children.is_empty() {
                        self.stack.push(n.children.iter());
                    }
                    return Some(n);
                }
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

/// Why a document could not be read as XML, with the line where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    /// An element inside more than `limit` others.
    #[error("line {line}: the elements nest deeper than {limit} levels")]
    TooDeep { line: usize, limit: usize },
}

impl XmlError {
    pub fn line(&self) -> usize {
        match self {
            XmlError::Malformed { line, .. } | XmlError::TooDeep { line, .. } => *line,
        }
    }
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

fn is_declaration(key: &[u8]) -> bool {
    key == b"xmlns" || key.starts_with(b"xmlns:")
}

/// A name given twice: by pairs among the few attributes elements have, sorted among many.
fn repeated<'a>(keys: &mut [&'a [u8]]) -> Option<&'a [u8]> {
    if keys.len() <= 16 {
        (1..keys.len())
            .find(|&i| keys[..i].contains(&keys[i]))
            .map(|i| keys[i])
    } else {
        keys.sort_unstable();
        keys.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    }
}

/// The element's node, and how many namespaces it declares.
fn start_node(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    ns: String,
    line: usize,
) -> Result<(Node, usize), String> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    let mut declarations = 0;
    let mut keys = Vec::new();
    // quick-xml's own check for a repeated attribute compares each with every one before it:
    // quadratic in an element with thousands of attributes. `repeated` checks afterwards.
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|x| x.to_string())?;
        let key = a.key;
        keys.push(key.into_inner());
        if is_declaration(key.as_ref()) {
            declarations += 1;
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
    if let Some(key) = repeated(&mut keys) {
        return Err(format!(
            "attribute {:?} is given twice",
            String::from_utf8_lossy(key)
        ));
    }
    let node = Node {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    };
    Ok((node, declarations))
}

/// Parses a whole document into its root element, elements nesting at most [`MAX_DEPTH`] deep.
pub fn parse(source: &str) -> Result<Node, XmlError> {
    parse_within(source, MAX_DEPTH)
}

/// Parses a whole document into its root element; an element inside more than `max_depth`
/// others is an error (the root is at depth 1).
pub fn parse_within(source: &str, max_depth: usize) -> Result<Node, XmlError> {
    let mut line_starts = vec![0usize];
    line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
    let line_at = |offset: u64| line_of(&line_starts, (offset as usize).min(source.len()));
    let mut reader = NsReader::from_str(source);
    reader.config_mut().trim_text(false);
    // The open elements, each with the number of namespaces it declared.
    let mut stack: Vec<(Node, usize)> = Vec::new();
    let mut namespaces = 0;
    let mut root: Option<Node> = None;
    loop {
        // With text kept, the reader stands right at '<' before a tag is read.
        let at = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (namespace(&resolved), event),
            Err(e) => {
                let message = e.to_string();
                return Err(XmlError::Malformed {
                    line: line_at(reader.buffer_position()),
                    message,
                });
            }
        };
        let fail = |message: String| XmlError::Malformed {
            line: line_at(at),
            message,
        };
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                let (node, declared) = stack
                    .pop()
                    .ok_or_else(|| fail("an end tag without a start".into()))?;
                namespaces -= declared;
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(fail("more than one root element".into())),
                }
                continue;
            }
            Event::Text(t) => {
                if let Some((top, _)) = stack.last_mut() {
                    let text = t.unescape().map_err(|e| fail(e.to_string()))?;
                    top.text.push_str(&text);
                }
                continue;
            }
            Event::CData(c) => {
                if let Some((top, _)) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let line = line_at(at + 1);
        if stack.len() >= max_depth {
            return Err(XmlError::TooDeep {
                line,
                limit: max_depth,
            });
        }
        let (node, declared) = start_node(&reader, &e, ns, line).map_err(fail)?;
        if namespaces + declared > MAX_NAMESPACES {
            return Err(fail(format!(
                "more than {MAX_NAMESPACES} namespace declarations are in force here"
            )));
        }
        if empty {
            match stack.last_mut() {
                Some((parent, _)) => parent.children.push(node),
                None if root.is_none() => root = Some(node),
                None => return Err(fail("more than one root element".into())),
            }
        } else {
            namespaces += declared;
            stack.push((node, declared));
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(XmlError::Malformed {
            line: open.line,
            message: format!("element <{}> is never closed", open.name),
        });
    }
    root.ok_or(XmlError::Malformed {
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
        assert!(e.line() >= 2, "{e:?}");
        assert!(parse("").is_err());
        assert!(parse("<a>\n<b/>").is_err());
        for attrs in [3, 40] {
            let others: String = (0..attrs).map(|i| format!(" y{i}=\"\"")).collect();
            let e = parse(&format!("<a>\n<b x=\"1\"{others} x=\"3\"/></a>")).unwrap_err();
            assert_eq!(e.line(), 2, "{e}");
            assert!(e.to_string().contains("\"x\" is given twice"), "{e}");
        }
    }

    #[test]
    fn descendants_come_in_document_order() {
        let root = parse("<a><b><c/><d><e/></d></b><f/></a>").unwrap();
        let names: Vec<&str> = root.descendants().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d", "e", "f"]);
    }

    #[test]
    fn nesting_is_limited_with_the_line_of_the_first_element_too_deep() {
        let doc = "<a>\n<a>\n<a>\n<a/>\n</a>\n</a>\n</a>";
        assert!(parse_within(doc, 4).is_ok());
        assert_eq!(
            parse_within(doc, 3).unwrap_err(),
            XmlError::TooDeep { line: 4, limit: 3 }
        );
    }

    #[test]
    fn namespace_declarations_in_force_are_limited() {
        let declarations: String = (0..=MAX_NAMESPACES)
            .map(|i| format!(" xmlns:p{i}=\"urn:{i}\""))
            .collect();
        let e = parse(&format!("<a{declarations}/>")).unwrap_err();
        assert!(e.to_string().contains("namespace declarations"), "{e}");
        // Declarations on siblings come and go: never more than one in force.
        let siblings: String = (0..2 * MAX_NAMESPACES)
            .map(|i| format!("<p{i}:b xmlns:p{i}=\"urn:{i}\"/>"))
            .collect();
        assert!(parse(&format!("<a>{siblings}</a>")).is_ok());
    }
}
