//! The telemetry service of `examples/telemetry.idl`, implemented once over an in-memory fleet:
//! devices, their readings (deduplicated by sequence number), commands, and the
//! `reading_reported` and `device_status_changed` events every subscriber receives.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use omniface::{Context, Principal, Timestamp};

omniface::include_service!("acme.telemetry.v1");

/// The fleet: devices and the sequence numbers of readings already ingested.
pub struct Fleet {
    state: Mutex<State>,
    events: TelemetryEvents,
}

#[derive(Default)]
struct State {
    devices: BTreeMap<String, Device>,
    seen: BTreeSet<(String, u64)>,
}

impl Fleet {
    /// A fleet with three demo devices (one of them offline), and its events handle.
    pub fn with_demo_devices() -> (Fleet, TelemetryEvents) {
        let events = TelemetryEvents::default();
        let mut devices = BTreeMap::new();
        for (id, kind, status) in [
            ("thermo-1", DeviceKind::Thermostat, DeviceStatus::Online),
            ("air-2", DeviceKind::AirQualitySensor, DeviceStatus::Online),
            ("meter-3", DeviceKind::PowerMeter, DeviceStatus::Offline),
        ] {
            devices.insert(
                id.to_string(),
                Device {
                    id: id.to_string(),
                    kind,
                    status,
                    firmware_version: "1.4.2".into(),
                    labels: BTreeMap::from([("site".to_string(), "berlin".to_string())]),
                    site: None,
                    location: None,
                    samples_per_minute: 6,
                    last_seen_at: None,
                },
            );
        }
        let fleet = Fleet {
            state: Mutex::new(State {
                devices,
                seen: BTreeSet::new(),
            }),
            events: events.clone(),
        };
        (fleet, events)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The device, if it exists and is reachable.
    fn reachable(&self, device_id: &str) -> Result<Device, (Option<DeviceNotFound>, Option<DeviceOffline>)> {
        let state = self.state();
        let device = state.devices.get(device_id).ok_or((
            Some(DeviceNotFound {
                device_id: device_id.to_string(),
            }),
            None,
        ))?;
        if device.status == DeviceStatus::Offline {
            return Err((
                None,
                Some(DeviceOffline {
                    device_id: device_id.to_string(),
                    last_seen_at: device.last_seen_at,
                }),
            ));
        }
        Ok(device.clone())
    }

    fn set_status(&self, device_id: &str, status: DeviceStatus, reason: &str) {
        let changed = {
            let mut state = self.state();
            match state.devices.get_mut(device_id) {
                Some(device) if device.status != status => {
                    device.status = status;
                    true
                }
                _ => false,
            }
        };
        if changed {
            self.events.device_status_changed(
                device_id.to_string(),
                status,
                Some(reason.to_string()),
                Timestamp::now(),
            );
        }
    }
}

fn ack(delay: Option<omniface::Duration>) -> CommandAck {
    let mut scheduled_for = Timestamp::now();
    if let Some(delay) = delay {
        scheduled_for.seconds += delay.seconds.max(0);
    }
    CommandAck {
        command_id: omniface::Uuid::new_v4(),
        scheduled_for,
    }
}

macro_rules! unreachable_to {
    ($error:ident) => {
        |(not_found, offline): (Option<DeviceNotFound>, Option<DeviceOffline>)| match (not_found, offline) {
            (Some(not_found), _) => $error::from(not_found),
            (_, Some(offline)) => $error::from(offline),
            (None, None) => $error::Other(omniface::Error::internal("no reason given")),
        }
    };
}

impl Telemetry for Fleet {
    async fn get_device(&self, _ctx: &Context, device_id: String) -> Result<Device, GetDeviceError> {
        self.state()
            .devices
            .get(&device_id)
            .cloned()
            .ok_or_else(|| DeviceNotFound { device_id }.into())
    }

    async fn list_devices(
        &self,
        _ctx: &Context,
        kind: Option<DeviceKind>,
        status: Option<DeviceStatus>,
        labels: Vec<String>,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<DevicePage, omniface::Error> {
        // Labels filter as `key=value` (or just `key`), all of them must match.
        let wanted: Vec<(&str, Option<&str>)> = labels
            .iter()
            .map(|label| match label.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (label.as_str(), None),
            })
            .collect();
        let after = page_token.unwrap_or_default();
        let state = self.state();
        let mut devices: Vec<Device> = state
            .devices
            .range::<String, _>((std::ops::Bound::Excluded(&after), std::ops::Bound::Unbounded))
            .map(|(_, device)| device)
            .filter(|device| kind.is_none_or(|k| device.kind == k))
            .filter(|device| status.is_none_or(|s| device.status == s))
            .filter(|device| {
                wanted.iter().all(|(key, value)| {
                    device
                        .labels
                        .get(*key)
                        .is_some_and(|v| value.is_none_or(|value| v == value))
                })
            })
            .take(page_size as usize + 1)
            .cloned()
            .collect();
        let next_page_token = if devices.len() > page_size as usize {
            devices.pop();
            devices.last().map(|device| device.id.clone())
        } else {
            None
        };
        Ok(DevicePage {
            devices,
            next_page_token,
        })
    }

    async fn reboot_device(
        &self,
        _ctx: &Context,
        device_id: String,
        delay: Option<omniface::Duration>,
    ) -> Result<CommandAck, RebootDeviceError> {
        self.reachable(&device_id).map_err(unreachable_to!(RebootDeviceError))?;
        self.set_status(&device_id, DeviceStatus::Updating, "reboot requested");
        Ok(ack(delay))
    }

    async fn set_sampling_rate(
        &self,
        _ctx: &Context,
        device_id: String,
        samples_per_minute: u32,
    ) -> Result<CommandAck, SetSamplingRateError> {
        self.reachable(&device_id)
            .map_err(unreachable_to!(SetSamplingRateError))?;
        if let Some(device) = self.state().devices.get_mut(&device_id) {
            device.samples_per_minute = samples_per_minute;
        }
        Ok(ack(None))
    }

    async fn ingest_batch(&self, _ctx: &Context, batch: ReadingBatch) -> Result<IngestResult, IngestBatchError> {
        let mut result = IngestResult {
            accepted: 0,
            duplicates: 0,
        };
        let mut came_online = Vec::new();
        let mut fresh = Vec::new();
        {
            let mut state = self.state();
            for DeviceReading { device_id, reading } in batch.readings {
                if !state.seen.insert((device_id.clone(), reading.sequence)) {
                    result.duplicates += 1;
                    continue;
                }
                result.accepted += 1;
                if let Some(device) = state.devices.get_mut(&device_id) {
                    device.last_seen_at = Some(reading.observed_at);
                    if device.status == DeviceStatus::Offline {
                        came_online.push(device_id.clone());
                    }
                }
                fresh.push((device_id, reading));
            }
        }
        for (device_id, reading) in fresh {
            self.events.reading_reported(device_id, reading);
        }
        for device_id in came_online {
            self.set_status(&device_id, DeviceStatus::Online, "reported a reading");
        }
        Ok(result)
    }
}

/// Demo keys: operators send `X-API-Key: operator-key`, devices `X-Device-Key: device-key`.
pub fn demo_authenticator() -> Arc<dyn omniface::Authenticator> {
    omniface::authenticator_fn(|credential| match credential {
        omniface::Credential::ApiKey {
            name,
            key: "operator-key",
        } if name.eq_ignore_ascii_case("X-API-Key") => Some(Principal {
            subject: "operator".into(),
            scopes: vec![],
        }),
        omniface::Credential::ApiKey {
            name,
            key: "device-key",
        } if name.eq_ignore_ascii_case("X-Device-Key") => Some(Principal {
            subject: "device".into(),
            scopes: vec![],
        }),
        _ => None,
    })
}
