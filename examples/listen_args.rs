//! The command line every example server takes: `--listen ADDR` (default 127.0.0.1:8080); the
//! brokers to serve through, `--mqtt URL` (MQTT 5, such as `mqtt://127.0.0.1:1883`) and `--amqp
//! URL` (AMQP 0-9-1, such as `amqp://guest:guest@127.0.0.1:5672`), none by default; and
//! `--webhooks-allow-private` (let webhook subscribers be on loopback or private addresses, for a
//! receiver on the same machine; refused by default) and `--webhooks-ca FILE` (trust the PEM
//! certificate authorities in FILE for `https://` subscribers, besides the system's) and
//! `--job-log FILE.sqlite` (record `#[idempotent]` AMQP jobs and MQTT requests with a
//! `message-id` in a SQLite file that instances on one machine share, so one redelivered to
//! another instance is not done twice). Shared by the examples' `main.rs` through
//! `#[path]`, so the convention lives in one place.

const USAGE: &str = "[--listen ADDR] [--mqtt mqtt://HOST:PORT[?client_id=ID&group=GROUP]] [--amqp amqp://USER:PASSWORD@HOST:PORT[/VHOST][?prefetch=N]] [--webhooks-allow-private] [--webhooks-ca FILE.pem] [--job-log FILE.sqlite]";

pub struct ServerArgs {
    pub listen: String,
    pub mqtt: Option<omniface::MqttConfig>,
    pub amqp: Option<omniface::AmqpConfig>,
    pub webhooks: omniface::WebhooksConfig,
    pub job_log: Option<std::path::PathBuf>,
}

impl ServerArgs {
    /// The arguments of the process; prints usage and exits on anything else.
    pub fn parse(program: &str) -> ServerArgs {
        let mut args = std::env::args().skip(1);
        let mut parsed = ServerArgs {
            listen: "127.0.0.1:8080".to_string(),
            mqtt: None,
            amqp: None,
            webhooks: omniface::WebhooksConfig::new(),
            job_log: None,
        };
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name.to_string(), Some(value.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |example: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .unwrap_or_else(|| usage(program, &format!("{name} needs a value such as {example}")))
            };
            match name.as_str() {
                "--listen" => parsed.listen = value("127.0.0.1:8080"),
                "--mqtt" => {
                    let url = value("mqtt://127.0.0.1:1883");
                    match omniface::MqttConfig::from_url(&url) {
                        Ok(config) => parsed.mqtt = Some(config),
                        Err(message) => usage(program, &message),
                    }
                }
                "--amqp" => {
                    let url = value("amqp://guest:guest@127.0.0.1:5672");
                    match omniface::AmqpConfig::from_url(&url) {
                        Ok(config) => parsed.amqp = Some(config),
                        Err(message) => usage(program, &message),
                    }
                }
                "--webhooks-allow-private" => parsed.webhooks = parsed.webhooks.allow_private_addresses(true),
                "--webhooks-ca" => {
                    let path = value("ca.pem");
                    let pem = std::fs::read(&path)
                        .unwrap_or_else(|error| usage(program, &format!("cannot read {path}: {error}")));
                    parsed.webhooks = parsed
                        .webhooks
                        .trust_root_certificates_pem(&pem)
                        .unwrap_or_else(|message| usage(program, &format!("{path}: {message}")));
                }
                "--job-log" => parsed.job_log = Some(value("jobs.sqlite").into()),
                "-h" | "--help" => {
                    println!("usage: {program} {USAGE}");
                    std::process::exit(0);
                }
                other => usage(program, &format!("unknown argument `{other}`")),
            }
        }
        parsed
    }

    /// The server with webhooks (always: the OpenAPI document lists their endpoints) and the
    /// protocols the arguments ask for (MQTT, AMQP) added.
    pub fn configure(&self, server: omniface::Server) -> omniface::Server {
        let mut server = server.webhooks(self.webhooks.clone());
        let job_log = self.job_log.as_ref().map(|path| {
            let log = omniface::job_log::SqliteJobLog::open(path)
                .unwrap_or_else(|error| usage("server", &format!("{}: {error}", path.display())));
            std::sync::Arc::new(log) as std::sync::Arc<dyn omniface::job_log::JobLog>
        });
        if let Some(config) = &self.mqtt {
            let mut config = config.clone();
            if let Some(log) = &job_log {
                config = config.job_log(log.clone());
            }
            server = server.mqtt(config);
        }
        if let Some(config) = &self.amqp {
            let mut config = config.clone();
            if let Some(log) = &job_log {
                config = config.job_log(log.clone());
            }
            server = server.amqp(config);
        }
        server
    }
}

fn usage(program: &str, message: &str) -> ! {
    eprintln!("error: {message}\nusage: {program} {USAGE}");
    std::process::exit(2);
}
