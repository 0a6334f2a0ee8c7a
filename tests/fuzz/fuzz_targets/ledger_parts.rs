//! Real ledgers with one XML part mutated at a time (worksheets most often), zipped back
//! into a valid container, so the inputs get past the zip layer to the reader's own logic:
//! header finding, row classification, merged ranges and cell typing.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zhaoshang_fuzz::read_and_check(data));

libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    zhaoshang_fuzz::mutate_part(data, size, max_size, seed)
});
