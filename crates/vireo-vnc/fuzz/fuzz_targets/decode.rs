//! Feeds arbitrary bytes to the server-message decoder as if they followed a
//! successful handshake. Any panic or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vireo_vnc::decode_stream_for_fuzzing(data);
});
