//! Remote libvirt over ssh: an sshd started by the test on 127.0.0.1 with throwaway keys,
//! reached as `qemu+ssh://USER@127.0.0.1:PORT/system`. Nothing outside the test's own
//! temporary directory is used: the ssh client is wrapped (libvirt's `command=` parameter) so
//! it reads no known_hosts and writes none.

mod common;

use common::{conn_state, inventory_on, is_state, wait_for, TestDomain};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vireo_libvirt::{Action, ConnState, VmState};

struct Sshd {
    dir: PathBuf,
    port: u16,
    child: Child,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn keygen(path: &Path, passphrase: &str) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs")
        .success();
    assert!(ok, "ssh-keygen");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn start_sshd(tag: &str) -> Sshd {
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "sshd is missing: make test installs openssh-server"
    );
    let dir = std::env::temp_dir().join(format!("vireo-sshd-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    keygen(&dir.join("host"), "");
    keygen(&dir.join("client"), "");
    keygen(&dir.join("locked"), "a passphrase nobody types");
    std::fs::copy(dir.join("client.pub"), dir.join("authorized_keys")).unwrap();
    let mut keys = std::fs::read_to_string(dir.join("authorized_keys")).unwrap();
    keys.push_str(&std::fs::read_to_string(dir.join("locked.pub")).unwrap());
    std::fs::write(dir.join("authorized_keys"), keys).unwrap();
    // The client wrapper: no known_hosts read or written anywhere.
    let wrapper = dir.join("ssh");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nexec ssh -F /dev/null -o UserKnownHostsFile=/dev/null \
         -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = free_port();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nAuthorizedKeysFile {d}/authorized_keys\n\
         PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile {d}/sshd.pid\n",
        d = dir.display()
    );
    std::fs::write(dir.join("sshd_config"), config).unwrap();
    // sshd's privilege separation directory (normally made by the service at boot).
    if Command::new("id").arg("-u").output().unwrap().stdout == b"0\n" {
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sshd starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd { dir, port, child }
}

fn uri(sshd: &Sshd, key: &str) -> String {
    format!(
        "qemu+ssh://{}@127.0.0.1:{}/system?keyfile={}/{key}&command={}/ssh",
        user(),
        sshd.port,
        sshd.dir.display(),
        sshd.dir.display()
    )
}

#[test]
fn list_and_start_a_vm_over_ssh() {
    let sshd = start_sshd("list");
    let dom = TestDomain::define("remote");
    let uri = vireo_libvirt::inventory::normalize_uri(&uri(&sshd, "client")).unwrap();
    assert!(uri.ends_with("&no_tty=1"));
    let (inv, rx) = inventory_on("remote", &uri);
    wait_for(&rx, 30, "remote connected", |e| {
        conn_state(e, ConnState::Connected)
    });
    let snap = inv.snapshot();
    let row = snap
        .vms
        .iter()
        .find(|r| r.vm.uuid == dom.uuid)
        .expect("the VM is listed through ssh");
    assert_eq!(row.vm.state, VmState::ShutOff);
    assert_eq!(row.connection, "remote");

    inv.perform("remote", &dom.uuid, Action::Start).unwrap();
    // Events travel over the ssh link too.
    wait_for(&rx, 10, "running over ssh", |e| {
        is_state(e, &dom.uuid, VmState::Running)
    });
    inv.perform("remote", &dom.uuid, Action::ForceOff).unwrap();
    wait_for(&rx, 10, "shut off over ssh", |e| {
        is_state(e, &dom.uuid, VmState::ShutOff)
    });
}

#[test]
fn a_passphrase_protected_key_fails_fast_instead_of_prompting() {
    let sshd = start_sshd("locked");
    let uri = vireo_libvirt::inventory::normalize_uri(&uri(&sshd, "locked")).unwrap();
    let started = Instant::now();
    let (inv, rx) = inventory_on("locked", &uri);
    wait_for(&rx, 20, "failed, not hung", |e| {
        conn_state(e, ConnState::Failed)
    });
    println!("passphrase key refused in {:?}", started.elapsed());
    let info = inv.connection("locked").unwrap();
    assert!(info.error.is_some());
    assert!(
        info.hint.as_deref().unwrap().contains("ssh"),
        "{:?}",
        info.hint
    );
}
