#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq::fuzzing::ws::ws_upgrade(data));
