//! Feeds arbitrary bytes to the server-message decoder as if they followed a
//! successful handshake: every encoding (Raw, CopyRect, ZRLE, Tight with its four zlib
//! streams and JPEG), every pseudo-encoding, Fence and EndOfContinuousUpdates.
//! Any panic or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vireo_vnc::decode_stream_for_fuzzing(data);
});
