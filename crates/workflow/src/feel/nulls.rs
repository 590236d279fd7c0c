//! Equality with null as Camunda's FEEL has it: `null = "x"` is false and `null != "x"` true,
//! whichever side the null is on. dsntk gives false for `"x" = null` but null for
//! `null = "x"` (so a condition on a variable not set yet was an incident instead of false):
//! each `a = b` is rewritten to `if a = null then b = null else a = b`, and `!=` alike, before
//! evaluation. Every other node is rebuilt as it was.

use dsntk_feel_parser::AstNode;
use AstNode::*;

/// Rewrites a child in the box it came in.
fn b(mut node: Box<AstNode>) -> Box<AstNode> {
    *node = rewrite(std::mem::replace(&mut *node, Null));
    node
}

fn v(nodes: Vec<AstNode>) -> Vec<AstNode> {
    nodes.into_iter().map(rewrite).collect()
}

/// `a = b` (or `a != b` when `negated`) that holds the same whichever side is null.
fn null_safe(a: Box<AstNode>, bb: Box<AstNode>, negated: bool) -> AstNode {
    let (a, bb) = (b(a), b(bb));
    let compare = |x: Box<AstNode>, y: Box<AstNode>| {
        if negated {
            Nq(x, y)
        } else {
            Eq(x, y)
        }
    };
    If(
        Box::new(Eq(a.clone(), Box::new(Null))),
        Box::new(compare(bb.clone(), Box::new(Null))),
        Box::new(compare(a, bb)),
    )
}

/// The expression with every equality null-safe.
pub(super) fn rewrite(node: AstNode) -> AstNode {
    match node {
        Eq(x, y) => null_safe(x, y, false),
        Nq(x, y) => null_safe(x, y, true),
        Add(x, y) => Add(b(x), b(y)),
        And(x, y) => And(b(x), b(y)),
        Between(x, y, z) => Between(b(x), b(y), b(z)),
        CommaList(l) => CommaList(v(l)),
        Context(l) => Context(v(l)),
        ContextEntry(x, y) => ContextEntry(b(x), b(y)),
        ContextType(l) => ContextType(v(l)),
        ContextTypeEntry(x, y) => ContextTypeEntry(b(x), b(y)),
        Div(x, y) => Div(b(x), b(y)),
        EvaluatedExpression(x) => EvaluatedExpression(b(x)),
        Every(x, y) => Every(b(x), b(y)),
        Exp(x, y) => Exp(b(x), b(y)),
        ExpressionList(l) => ExpressionList(v(l)),
        Filter(x, y) => Filter(b(x), b(y)),
        For(x, y) => For(b(x), b(y)),
        FormalParameter(x, y) => FormalParameter(b(x), b(y)),
        FormalParameters(l) => FormalParameters(v(l)),
        FunctionBody(x, external) => FunctionBody(b(x), external),
        FunctionDefinition(x, y) => FunctionDefinition(b(x), b(y)),
        FunctionInvocation(x, y) => FunctionInvocation(b(x), b(y)),
        FunctionType(x, y) => FunctionType(b(x), b(y)),
        Ge(x, y) => Ge(b(x), b(y)),
        Gt(x, y) => Gt(b(x), b(y)),
        If(x, y, z) => If(b(x), b(y), b(z)),
        In(x, y) => In(b(x), b(y)),
        InstanceOf(x, y) => InstanceOf(b(x), b(y)),
        IntervalEnd(x, t) => IntervalEnd(b(x), t),
        IntervalStart(x, t) => IntervalStart(b(x), t),
        IterationContexts(l) => IterationContexts(v(l)),
        IterationContextSingle(x, y) => IterationContextSingle(b(x), b(y)),
        IterationContextInterval(x, y, z) => IterationContextInterval(b(x), b(y), b(z)),
        Le(x, y) => Le(b(x), b(y)),
        Lt(x, y) => Lt(b(x), b(y)),
        List(l) => List(v(l)),
        ListType(x) => ListType(b(x)),
        Mul(x, y) => Mul(b(x), b(y)),
        NamedParameter(x, y) => NamedParameter(b(x), b(y)),
        NamedParameters(l) => NamedParameters(v(l)),
        NegatedList(l) => NegatedList(v(l)),
        Neg(x) => Neg(b(x)),
        Or(x, y) => Or(b(x), b(y)),
        Out(x, y) => Out(b(x), b(y)),
        ParameterTypes(l) => ParameterTypes(v(l)),
        Path(x, y) => Path(b(x), b(y)),
        PositionalParameters(l) => PositionalParameters(v(l)),
        QualifiedName(l) => QualifiedName(v(l)),
        QuantifiedContexts(l) => QuantifiedContexts(v(l)),
        QuantifiedContext(x, y) => QuantifiedContext(b(x), b(y)),
        Range(x, y) => Range(b(x), b(y)),
        RangeType(x) => RangeType(b(x)),
        Satisfies(x) => Satisfies(b(x)),
        Some(x, y) => Some(b(x), b(y)),
        Sub(x, y) => Sub(b(x), b(y)),
        UnaryGe(x) => UnaryGe(b(x)),
        UnaryGt(x) => UnaryGt(b(x)),
        UnaryLe(x) => UnaryLe(b(x)),
        UnaryLt(x) => UnaryLt(b(x)),
        UnaryEq(x) => UnaryEq(b(x)),
        UnaryNe(x) => UnaryNe(b(x)),
        leaf => leaf,
    }
}
