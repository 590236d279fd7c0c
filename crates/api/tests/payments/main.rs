//! The payment providers' calls through the merchant endpoints the node serves: Payme's Merchant
//! API and Click's SHOP API, each on SQLite and PostgreSQL, against the sandbox's readings of
//! the same protocols.

#[macro_use]
mod support;

mod click;
mod invoices;
mod money_is_never_lost_nor_taken_twice;
mod payme;
mod reconcile;
mod sandbox;
