//! Arbitrary bytes, and byte-level mutations of real ledgers, into the ledger reader: the
//! file checks (size, zip container, zip bombs) and whatever gets past them.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zhaoshang_fuzz::read_and_check(data));
