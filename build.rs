//! Gives the shared library libzmq's SONAME, so binaries linked against
//! libzmq.so.5 load ours unchanged, and marks it `nodelete`: its threads'
//! allocator caches are flushed at thread exit by code in the library
//! (`msg::pool`), which must still be mapped after a `dlclose`.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    println!("cargo:rerun-if-changed=build.rs");
}
