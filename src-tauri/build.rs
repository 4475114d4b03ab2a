// tauri.conf.json lives at the top of the repository (see ARCHITECTURE.md); tauri-build reads
// it from the working directory, so point that at the top before building.
fn main() {
    let top = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    std::env::set_current_dir(&top).expect("repository top is readable");
    tauri_build::build()
}
