//! The brokers the examples' tests run against: a mosquitto and a RabbitMQ of each test's own, on
//! free loopback ports, stopped when dropped (`cargo xtask test` installs the Debian packages).
//! Shared by the tests through `#[path]`, as `listen_args.rs` is by the servers.

#![allow(dead_code)] // Each test uses the brokers it needs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_listening(port: u16, name: &str, limit: Duration) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < limit,
            "{name} did not listen on port {port} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scratch_dir(name: &str, port: u16) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("omniface-{name}-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A mosquitto of its own.
pub struct Mosquitto {
    child: Child,
    pub port: u16,
    dir: PathBuf,
    program: &'static str,
}

impl Mosquitto {
    pub fn start() -> Mosquitto {
        let program = ["mosquitto", "/usr/sbin/mosquitto"]
            .into_iter()
            .find(|program| {
                Command::new(program)
                    .arg("-h")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            })
            .expect("mosquitto is not installed: `cargo xtask test` installs it (apt-get install mosquitto)");
        let port = free_port();
        let dir = scratch_dir("mosquitto", port);
        let config = dir.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap();
        let child = Mosquitto::spawn(program, &config);
        // Owned from here on, so that its drop stops the process on every path.
        let broker = Mosquitto {
            child,
            port,
            dir,
            program,
        };
        wait_until_listening(port, "mosquitto", Duration::from_secs(5));
        broker
    }

    fn spawn(program: &str, config: &Path) -> Child {
        Command::new(program)
            .arg("-c")
            .arg(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Stops the broker process (SIGSTOP) without closing its connections: it reads and answers
    /// nothing until [`Mosquitto::restart`] kills it, as a hung broker would.
    pub fn freeze(&self) {
        let status = Command::new("kill")
            .args(["-STOP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -STOP mosquitto: {status}");
    }

    /// Kills the broker, as a crash would, and starts it again on the same port.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Mosquitto::spawn(self.program, &self.dir.join("mosquitto.conf"));
        wait_until_listening(self.port, "mosquitto", Duration::from_secs(5));
    }

    /// `mqtt://127.0.0.1:PORT?client_id=…&group=telemetry`.
    pub fn url(&self, client_id: &str) -> String {
        format!("mqtt://127.0.0.1:{}?client_id={client_id}&group=telemetry", self.port)
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Debian package's RabbitMQ script, which runs the broker in the foreground (the
/// `/usr/sbin` wrapper switches users through `su` when run as root, out of the test's reach).
const RABBITMQ_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A RabbitMQ node of its own, killed with its process group when dropped.
pub struct Rabbit {
    child: Child,
    pub port: u16,
    dist_port: u16,
    dir: PathBuf,
}

impl Rabbit {
    pub fn start() -> Rabbit {
        assert!(
            Path::new(RABBITMQ_SERVER).exists(),
            "RabbitMQ is not installed: `cargo xtask test` installs it (apt-get install rabbitmq-server)"
        );
        let (port, dist_port) = (free_port(), free_port());
        let dir = scratch_dir("rabbitmq", port);
        std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
        let child = Rabbit::spawn(&dir, port, dist_port);
        let rabbit = Rabbit {
            child,
            port,
            dist_port,
            dir,
        };
        wait_until_listening(port, "RabbitMQ", Duration::from_secs(30));
        rabbit
    }

    fn spawn(dir: &Path, port: u16, dist_port: u16) -> Child {
        use std::os::unix::process::CommandExt;
        Command::new(RABBITMQ_SERVER)
            .env("RABBITMQ_NODENAME", format!("omniface-test-{port}@localhost"))
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_CONFIG_FILE", dir.join("none"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: the script starts the Erlang VM as a child, and both go.
            .process_group(0)
            .spawn()
            .unwrap()
    }

    /// `amqp://guest:guest@127.0.0.1:PORT?prefetch=8`.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}?prefetch=8", self.port)
    }

    /// Stops the node (SIGTERM: the Erlang VM shuts down in order), then starts it again on the
    /// same data.
    pub fn restart(&mut self) {
        self.signal("-TERM");
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.kill();
        self.child = Rabbit::spawn(&self.dir, self.port, self.dist_port);
        wait_until_listening(self.port, "RabbitMQ", Duration::from_secs(30));
    }

    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .status();
    }

    fn kill(&mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
        // The port is free again once the VM is gone.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
