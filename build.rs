//! Build script: gives the shared library a versioned soname so that
//! `libsimdkern.so.MAJOR` can be installed next to newer majors.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsimdkern.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
