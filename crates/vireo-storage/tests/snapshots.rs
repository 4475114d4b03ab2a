//! The internal snapshot table of an image qemu-img wrote.

use std::process::Command;
use vireo_storage::snapshots::internal_snapshots;

#[test]
fn qemu_imgs_snapshots_are_read_with_their_memory_size() {
    let dir = std::env::temp_dir().join(format!("vireo-snaptable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = dir.join("disk.qcow2");
    let qemu_img = |args: &[&str]| {
        let ok = Command::new("qemu-img")
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "qemu-img {args:?}");
    };
    qemu_img(&[
        "create",
        "-q",
        "-f",
        "qcow2",
        image.to_str().unwrap(),
        "64M",
    ]);
    assert!(internal_snapshots(&image).unwrap().is_empty());
    qemu_img(&["snapshot", "-c", "first", image.to_str().unwrap()]);
    qemu_img(&["snapshot", "-c", "second one", image.to_str().unwrap()]);
    let got = internal_snapshots(&image).unwrap();
    let names: Vec<_> = got.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["first", "second one"]);
    assert!(
        got.iter().all(|s| s.vm_state_size == 0),
        "disk-only: {got:?}"
    );
    // Not an image, and a link, give nothing or an error, never another file's contents.
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert!(internal_snapshots(&text).unwrap().is_empty());
    let link = dir.join("link.qcow2");
    std::os::unix::fs::symlink(&image, &link).unwrap();
    assert!(internal_snapshots(&link).is_err(), "links are not followed");
    std::fs::remove_dir_all(&dir).unwrap();
}
