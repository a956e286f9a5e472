#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq::fuzzing::pgm::pgm_framing(data));
