//! Tests of the whole reader: the real sample ledger, messy workbooks built in memory, bad files.
mod sample;
