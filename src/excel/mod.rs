//! Ledger (台账) reading with calamine and workbook writing with rust_xlsxwriter; no HTTP, no SQL.

pub mod cell;
pub mod export;
pub mod ledger;
pub mod report;
pub mod template;
